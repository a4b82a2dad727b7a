/**
 * Prints a bearer token (a Cognito ID token) for a user of the local Cognito of `make dev`,
 * and nothing else on stdout:  npm run --silent token -- admin@demo.test
 *
 * It signs in with $DEMO_PASSWORD, else the demo password. Users created through the API (a
 * new tenant's admin, invited members) have only a random temporary password, which Cognito
 * would e-mail and the emulator sends nowhere: `--set-password` first gives the user that
 * password — only in the local emulator.
 */
import { AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import {
  cognitoClient,
  findLocalPool,
  idTokenFor,
  isAnswering,
  setPermanentPassword,
  type LocalPool,
} from '@leadflow/local-aws';
import { DEMO_PASSWORD, DEMO_USERS, LOCAL_AWS_ENDPOINT, LOCAL_REGION } from './demo-data';

const USAGE = [
  'usage: npm run --silent token -- <email> [--set-password]',
  '  --set-password  first set the user’s password (local emulator only), e.g. for a user created',
  '                  through the API, which has only a temporary password nobody received',
  `demo users: ${DEMO_USERS.join(', ')}`,
].join('\n');

export interface TokenRequest {
  email: string;
  setPassword: boolean;
}

/** The request, or undefined when the arguments do not make one. */
export function parseArguments(args: string[]): TokenRequest | undefined {
  const flags = args.filter((a) => a.startsWith('-'));
  const [email, ...extra] = args.filter((a) => !a.startsWith('-'));
  if (!email || extra.length || flags.some((f) => f !== '--set-password')) return undefined;
  return { email, setPassword: flags.includes('--set-password') };
}

/** The password the command signs in with, and how to name where it came from. */
export function signInPassword(env: NodeJS.ProcessEnv = process.env): {
  password: string;
  source: string;
} {
  return env.DEMO_PASSWORD
    ? { password: env.DEMO_PASSWORD, source: '$DEMO_PASSWORD' }
    : { password: DEMO_PASSWORD, source: `the demo password (${DEMO_PASSWORD})` };
}

/** The command never signs in or sets a password anywhere but in the local emulator. */
export async function assertLocalEmulator(endpoint: string): Promise<void> {
  if (!(await isAnswering(endpoint)))
    throw new Error(
      `no local emulator answers at LOCAL_AWS_ENDPOINT=${endpoint}: is \`make dev\` running? (this command works only against it)`,
    );
}

const isNamed = (error: unknown, name: string) => error instanceof Error && error.name === name;

export async function setLocalPassword(
  pool: LocalPool,
  email: string,
  password: string,
): Promise<void> {
  try {
    await setPermanentPassword(pool, email, password);
  } catch (error) {
    if (isNamed(error, 'UserNotFoundException')) throw new Error(noSuchUser(email));
    throw error;
  }
}

export type UserState = 'missing' | 'disabled' | string;

async function userState(pool: LocalPool, email: string): Promise<UserState> {
  const cognito = cognitoClient(pool);
  try {
    const user = await cognito.send(
      new AdminGetUserCommand({ UserPoolId: pool.userPoolId, Username: email }),
    );
    return user.Enabled === false ? 'disabled' : (user.UserStatus ?? 'UNKNOWN');
  } catch (error) {
    if (isNamed(error, 'UserNotFoundException')) return 'missing';
    throw error;
  } finally {
    cognito.destroy();
  }
}

function noSuchUser(email: string): string {
  return `no user ${email} in the local user pool; demo users: ${DEMO_USERS.join(', ')}`;
}

/** Why a sign-in failed and what to do, from the user's state in the pool. */
export function signInAdvice(email: string, state: UserState, passwordSource: string): string {
  const setPassword = `npm run --silent token -- ${email} --set-password`;
  if (state === 'missing') return noSuchUser(email);
  if (state === 'disabled')
    return `${email} is disabled in the local user pool (removed from its tenant?)`;
  if (state === 'FORCE_CHANGE_PASSWORD')
    return [
      `${email} still has the temporary password Cognito gave it when it was created through the API`,
      '(status FORCE_CHANGE_PASSWORD; locally no e-mail is sent). Give it a known password and a token:',
      `  ${setPassword}`,
    ].join('\n');
  return [
    `${email} (status ${state}) refused ${passwordSource}.`,
    `Sign in with its password (DEMO_PASSWORD=<its password> npm run --silent token -- ${email}),`,
    `or set it to ${passwordSource} locally:  ${setPassword}`,
  ].join('\n');
}

async function signIn(pool: LocalPool, email: string): Promise<string> {
  const { password, source } = signInPassword();
  try {
    return await idTokenFor(pool, email, password);
  } catch (error) {
    // moto's NotAuthorizedException says only the user name; a challenge gives no tokens.
    const state = await userState(pool, email).catch(() => undefined);
    if (state === undefined) throw error;
    throw new Error(signInAdvice(email, state, source));
  }
}

export async function tokenFor(pool: LocalPool, request: TokenRequest): Promise<string> {
  if (request.setPassword) {
    await assertLocalEmulator(pool.endpoint);
    await setLocalPassword(pool, request.email, signInPassword().password);
    console.error(
      `token: the password of ${request.email} in the local emulator is now ${signInPassword().source}`,
    );
  }
  return signIn(pool, request.email);
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const request = parseArguments(process.argv.slice(2));
  if (!request) {
    console.error(USAGE);
    process.exit(2);
  }
  await assertLocalEmulator(LOCAL_AWS_ENDPOINT);
  const pool = await findLocalPool(LOCAL_AWS_ENDPOINT, LOCAL_REGION);
  process.stdout.write(`${await tokenFor(pool, request)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`token: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
