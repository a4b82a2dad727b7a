import type { Request } from 'express';
import type { Principal } from '../request-context';

const PRINCIPAL = Symbol('leadflow.principal');

interface WithPrincipal {
  [PRINCIPAL]?: Principal;
}

export function setPrincipal(req: Request, principal: Principal): void {
  (req as Request & WithPrincipal)[PRINCIPAL] = principal;
}

export function principalOf(req: Request): Principal | undefined {
  return (req as Request & WithPrincipal)[PRINCIPAL];
}
