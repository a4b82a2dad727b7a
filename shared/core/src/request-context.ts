import { AsyncLocalStorage } from 'node:async_hooks';

export type Role = 'platform-admin' | 'admin' | 'manager' | 'agent' | 'viewer';

/** Who is calling: a user from a verified token, or a tenant's API key. */
export interface Principal {
  kind: 'user' | 'apiKey';
  /** The token's `sub`, or the API key id. */
  subject: string;
  /** From the verified token or the resolved API key; never from the request itself. */
  tenantId: string | undefined;
  roles: readonly Role[];
  email?: string | undefined;
}

export interface RequestContext {
  requestId: string;
  tenantId?: string | undefined;
  principal?: Principal | undefined;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Sets the tenant of the current request or message, so every log line carries it. */
export function enterTenant(tenantId: string): void {
  const context = storage.getStore();
  if (context) context.tenantId = tenantId;
}
