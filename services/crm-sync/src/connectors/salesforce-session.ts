import { createHash } from 'node:crypto';
import {
  assertOk,
  CredentialsRejectedError,
  joinUrl,
  TransientCrmError,
  type ConnectorContext,
  type Credentials,
} from './connector';

/**
 * Salesforce access tokens end with the org's session timeout (two hours by default). A
 * connection given a refresh token, with its connected app's client id and secret, gets an
 * access token from the org's OAuth token endpoint (the refresh token flow) when it has none, and
 * again after Salesforce refused the one it had. A connection given only an access token uses it
 * until it ends.
 */
const TOKEN_PATH = '/services/oauth2/token';

/** Access tokens by connection, with the grant they came from (a rotated one gets a new token). */
const sessions = new Map<string, { grant: string; accessToken: string }>();

export const usesRefreshToken = (credentials: Credentials): boolean =>
  Boolean(credentials.refreshToken);

const grantOf = (credentials: Credentials): string =>
  createHash('sha256')
    .update(`${credentials.clientId}\n${credentials.clientSecret}\n${credentials.refreshToken}`)
    .digest('hex');

/** What Salesforce's token endpoint refuses a refresh token with: it must be given again. */
const REFUSED_GRANT = new Set([400, 401, 403]);

async function refreshedAccessToken(context: ConnectorContext, baseUrl: string): Promise<string> {
  const { credentials } = context;
  const response = await context.request({
    method: 'POST',
    url: joinUrl(baseUrl, TOKEN_PATH),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: credentials.clientId ?? '',
      client_secret: credentials.clientSecret ?? '',
      refresh_token: credentials.refreshToken ?? '',
    }).toString(),
  });
  if (REFUSED_GRANT.has(response.status)) {
    const reason = (response.body as { error?: unknown } | undefined)?.error;
    throw new CredentialsRejectedError(
      response.status,
      `Salesforce refused the refresh token (${response.status}${typeof reason === 'string' ? ` ${reason}` : ''})`,
    );
  }
  assertOk(response, 'Salesforce token endpoint');
  const accessToken = (response.body as { access_token?: unknown } | undefined)?.access_token;
  if (typeof accessToken !== 'string' || accessToken === '')
    throw new TransientCrmError(
      `Salesforce token endpoint answered ${response.status} without an access token`,
    );
  return accessToken;
}

/** The access token requests go with: the one given, or one the refresh token got. */
export async function accessTokenOf(context: ConnectorContext, baseUrl: string): Promise<string> {
  const { credentials, connection } = context;
  if (!usesRefreshToken(credentials)) return credentials.accessToken ?? '';
  const grant = grantOf(credentials);
  const cached = sessions.get(connection.connectionId);
  if (cached?.grant === grant) return cached.accessToken;
  const accessToken = await refreshedAccessToken(context, baseUrl);
  sessions.set(connection.connectionId, { grant, accessToken });
  return accessToken;
}

/** After Salesforce refused a request: the next one gets a new access token. */
export function forgetSession(connectionId: string): void {
  sessions.delete(connectionId);
}
