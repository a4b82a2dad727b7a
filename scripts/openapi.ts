/** Writes openapi.json from the operations of every service; `--check` fails when it is stale. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPENAPI_PATH, openApiDocument, serialise } from './openapi-document';

const path = join(__dirname, '..', OPENAPI_PATH);
const generated = serialise(openApiDocument());

if (process.argv.includes('--check')) {
  const committed = readFileSync(path, 'utf8');
  if (committed !== generated) {
    console.error(`${OPENAPI_PATH} is stale: run \`make openapi\` and commit it`);
    process.exit(1);
  }
  console.log(`${OPENAPI_PATH} is up to date`);
} else {
  writeFileSync(path, generated);
  console.log(`wrote ${OPENAPI_PATH}`);
}
