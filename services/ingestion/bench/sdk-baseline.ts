/**
 * The AWS SDK's own cost, measured the way the service pays it: PutEvents calls of 10 entries
 * (the most one call takes) just like the service's, through the project's EventBridge client,
 * against the same instant stub. Run as its own process, pinned like the servers, with
 * AWS_ENDPOINT_URL set; prints one JSON line with the CPU per call.
 */
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { createAwsClients, MAX_ENTRIES_PER_CALL } from '@leadflow/core';

const WARMUP_CALLS = 500;
const MEASURED_CALLS = 3_000;
const IN_FLIGHT = 4;

async function callsOf(send: () => Promise<unknown>, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += IN_FLIGHT)
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count - sent) }, send));
}

async function main(): Promise<void> {
  const endpoint = process.env.AWS_ENDPOINT_URL!;
  const { sampleEntry } = (await (await fetch(`${endpoint}/stats`)).json()) as {
    sampleEntry?: PutEventsRequestEntry;
  };
  if (!sampleEntry) throw new Error('the stub has seen no entry to imitate');
  const aws = createAwsClients({ region: process.env.AWS_REGION ?? 'us-east-1', endpoint });
  const entries = Array.from({ length: MAX_ENTRIES_PER_CALL }, () => sampleEntry);
  const send = () => aws.eventBridge.send(new PutEventsCommand({ Entries: entries }));
  await callsOf(send, WARMUP_CALLS);
  const before = process.cpuUsage();
  await callsOf(send, MEASURED_CALLS);
  const used = process.cpuUsage(before);
  aws.destroy();
  const cpuUsPerCall = Math.round((used.user + used.system) / MEASURED_CALLS);
  process.stdout.write(`${JSON.stringify({ cpuUsPerCall, entriesPerCall: entries.length })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
