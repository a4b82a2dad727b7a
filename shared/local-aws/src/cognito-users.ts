import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminInitiateAuthCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { manifest } from '@leadflow/resources';

export interface LocalUser {
  email: string;
  password: string;
  tenantId?: string | undefined;
  groups: string[];
}

export interface LocalPool {
  endpoint: string;
  region: string;
  userPoolId: string;
  appClientId: string;
}

/** A Cognito client for the local pool (the emulator takes any credentials). */
export function cognitoClient(
  pool: Pick<LocalPool, 'endpoint' | 'region'>,
): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region: pool.region,
    endpoint: pool.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

/** Gives a user a permanent password: one invited (with a temporary one) can then sign in. */
export async function setPermanentPassword(
  pool: LocalPool,
  email: string,
  password: string,
): Promise<void> {
  const cognito = cognitoClient(pool);
  try {
    await cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: pool.userPoolId,
        Username: email,
        Password: password,
        Permanent: true,
      }),
    );
  } finally {
    cognito.destroy();
  }
}

/** Creates a confirmed user with a permanent password, its tenant and its groups. Idempotent. */
export async function ensureUser(pool: LocalPool, user: LocalUser): Promise<void> {
  const cognito = cognitoClient(pool);
  try {
    const attributes = [
      { Name: 'email', Value: user.email },
      { Name: 'email_verified', Value: 'true' },
      ...(user.tenantId ? [{ Name: 'custom:tenant_id', Value: user.tenantId }] : []),
    ];
    await cognito
      .send(
        new AdminCreateUserCommand({
          UserPoolId: pool.userPoolId,
          Username: user.email,
          MessageAction: 'SUPPRESS',
          UserAttributes: attributes,
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof Error && error.name === 'UsernameExistsException')) throw error;
      });
    await setPermanentPassword(pool, user.email, user.password);
    for (const group of user.groups) {
      await cognito.send(
        new AdminAddUserToGroupCommand({
          UserPoolId: pool.userPoolId,
          Username: user.email,
          GroupName: group,
        }),
      );
    }
  } finally {
    cognito.destroy();
  }
}

/** An ID token for the user, from the local Cognito. */
export async function idTokenFor(
  pool: LocalPool,
  email: string,
  password: string,
): Promise<string> {
  const tokens = await tokensFor(pool, email, password);
  return tokens.idToken;
}

export async function tokensFor(
  pool: LocalPool,
  email: string,
  password: string,
): Promise<{ idToken: string; accessToken: string }> {
  const cognito = cognitoClient(pool);
  try {
    const result = await cognito.send(
      new AdminInitiateAuthCommand({
        UserPoolId: pool.userPoolId,
        ClientId: pool.appClientId,
        AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    const idToken = result.AuthenticationResult?.IdToken;
    const accessToken = result.AuthenticationResult?.AccessToken;
    if (!idToken || !accessToken) throw new Error(`no tokens for ${email}`);
    return { idToken, accessToken };
  } finally {
    cognito.destroy();
  }
}

/** Finds the local pool and app client by the manifest's names (their ids change with every emulator start). */
export async function findLocalPool(
  endpoint: string,
  region: string,
  prefix = '',
): Promise<LocalPool> {
  const cognito = cognitoClient({ endpoint, region });
  try {
    const pools = await cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }));
    const userPoolId = pools.UserPools?.find(
      (p) => p.Name === `${prefix}${manifest.identity.userPoolName}`,
    )?.Id;
    if (!userPoolId)
      throw new Error(
        `no user pool named ${prefix}${manifest.identity.userPoolName} at ${endpoint}: is \`make dev\` running?`,
      );
    const clients = await cognito.send(
      new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }),
    );
    const appClientId = clients.UserPoolClients?.find(
      (c) => c.ClientName === manifest.identity.appClientName,
    )?.ClientId;
    if (!appClientId)
      throw new Error(`no app client named ${manifest.identity.appClientName} in ${userPoolId}`);
    return { endpoint, region, userPoolId, appClientId };
  } finally {
    cognito.destroy();
  }
}
