/**
 * Prints a bearer token (a Cognito ID token) for a demo user from the local Cognito of
 * `make dev`, and nothing else on stdout:  npm run --silent token -- admin@demo.test
 */
import { findLocalPool, idTokenFor } from '@leadflow/local-aws';
import { DEMO_PASSWORD, DEMO_USERS, LOCAL_AWS_ENDPOINT, LOCAL_REGION } from './demo-data';

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const email = process.argv[2];
  if (!email) {
    console.error(`usage: npm run --silent token -- <email>\ndemo users: ${DEMO_USERS.join(', ')}`);
    process.exit(2);
  }
  const pool = await findLocalPool(LOCAL_AWS_ENDPOINT, LOCAL_REGION);
  process.stdout.write(
    `${await idTokenFor(pool, email, process.env.DEMO_PASSWORD ?? DEMO_PASSWORD)}\n`,
  );
}

main().catch((error: unknown) => {
  console.error(`token: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
