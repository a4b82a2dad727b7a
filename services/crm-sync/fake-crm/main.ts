/**
 * The fake CRM of `make dev`: HubSpot, Salesforce, Pipedrive and webhook shapes on one port
 * (PORT, default 3010). Point a CRM connection's baseUrl (or a webhook URL) at it; configure
 * it and read what it received through /_fake/state, /_fake/records, /_fake/requests,
 * /_fake/configure, /_fake/storm and /_fake/reset.
 */
import { startFakeCrm } from './fake-crm';

const port = Number(process.env.PORT ?? 3010);
const latencyMs = Number(process.env.FAKE_CRM_LATENCY_MS ?? 50);

startFakeCrm({ port, host: process.env.HOST ?? '127.0.0.1', settings: { latencyMs } })
  .then((fake) => {
    process.stdout.write(`fake CRM listening on ${fake.baseUrl} (latency ${latencyMs} ms)\n`);
    const stop = () => void fake.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  })
  .catch((error: unknown) => {
    process.stderr.write(`fake CRM failed to start: ${String(error)}\n`);
    process.exit(1);
  });
