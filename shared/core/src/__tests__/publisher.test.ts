import type { PutEventsCommand, PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { EventPublisher, PublishError, entrySize } from '../events/publisher';
import { createLogger } from '../logger';

type Answer = (
  entries: NonNullable<PutEventsCommand['input']['Entries']>,
) => Promise<PutEventsCommandOutput['Entries']>;

/** A scripted PutEvents: a unit test of the batching and retry logic, not of AWS. */
function scriptedClient(answer: Answer) {
  const calls: string[][] = [];
  const client = {
    send: async (command: PutEventsCommand) => {
      const entries = command.input.Entries ?? [];
      calls.push(entries.map((e) => JSON.parse(e.Detail ?? '{}').n));
      return { Entries: await answer(entries), $metadata: {} };
    },
  };
  return { client, calls };
}

const logger = createLogger({ service: 'test', level: 'silent' });
const accepted: Answer = async (entries) => entries.map((_, i) => ({ EventId: `e${i}` }));

const publisherWith = (
  client: ConstructorParameters<typeof EventPublisher>[0]['client'],
  options: { baseBackoffMs?: number; maxAttempts?: number; lingerMs?: number } = {},
) => new EventPublisher({ client, busName: 'bus', source: 'test', logger, ...options });

describe('EventPublisher', () => {
  it('when 25 events are published at once, then they go out in calls of at most 10', async () => {
    const { client, calls } = scriptedClient(accepted);
    const publisher = publisherWith(client);
    await Promise.all(
      Array.from({ length: 25 }, (_, n) => publisher.publish({ detailType: 't', detail: { n } })),
    );
    expect(calls.map((c) => c.length)).toEqual([10, 10, 5]);
  });

  it('when a call ends while entries linger, then they wait for their linger and go out together', async () => {
    const { client, calls } = scriptedClient(async (entries) => {
      await new Promise((r) => setTimeout(r, 5));
      return accepted(entries);
    });
    const publisher = publisherWith(client, { lingerMs: 200 });
    const publish = (n: number) => publisher.publish({ detailType: 't', detail: { n } });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const full = Array.from({ length: 10 }, (_, n) => publish(n));
    const lingering = publish(10);
    await Promise.all(full);
    await sleep(10);
    await Promise.all([lingering, publish(11)]);
    expect(calls.map((c) => c.length)).toEqual([10, 2]);
  });

  it('when entries together exceed 256 KiB, then a call carries fewer', async () => {
    const { client, calls } = scriptedClient(accepted);
    const publisher = publisherWith(client);
    const big = 'x'.repeat(100 * 1024);
    await Promise.all(
      [0, 1, 2].map((n) => publisher.publish({ detailType: 't', detail: { n, big } })),
    );
    expect(calls.map((c) => c.length)).toEqual([2, 1]);
  });

  it('when EventBridge rejects some entries, then only those are retried and every promise resolves', async () => {
    let attempt = 0;
    const { client, calls } = scriptedClient(async (entries) => {
      attempt += 1;
      return entries.map((e, i) =>
        attempt === 1 && JSON.parse(e.Detail!).n % 2 === 1
          ? { ErrorCode: 'InternalFailure' }
          : { EventId: `e${i}` },
      );
    });
    const publisher = publisherWith(client, { baseBackoffMs: 1 });
    await Promise.all(
      [0, 1, 2, 3].map((n) => publisher.publish({ detailType: 't', detail: { n } })),
    );
    expect(calls).toEqual([
      [0, 1, 2, 3],
      [1, 3],
    ]);
  });

  it('when a call fails as a whole, then its entries are sent again and every promise resolves', async () => {
    let attempt = 0;
    const { client, calls } = scriptedClient(async (entries) => {
      attempt += 1;
      if (attempt === 1) throw Object.assign(new Error('socket hang up'), { name: 'Error' });
      return accepted(entries);
    });
    const publisher = publisherWith(client, { baseBackoffMs: 1 });
    await Promise.all([0, 1].map((n) => publisher.publish({ detailType: 't', detail: { n } })));
    expect(calls[0]).toEqual([0, 1]);
    expect(calls.slice(1).flat().sort()).toEqual([0, 1]);
  });

  it('when EventBridge keeps failing, then the caller learns which event was not published', async () => {
    const { client } = scriptedClient(async (entries) =>
      entries.map(() => ({ ErrorCode: 'ThrottlingException' })),
    );
    const publisher = publisherWith(client, { baseBackoffMs: 1, maxAttempts: 3 });
    await expect(
      publisher.publish({ detailType: 'lead.received', detail: { n: 1 } }),
    ).rejects.toMatchObject({
      name: 'PublishError',
      detailType: 'lead.received',
      errorCode: 'ThrottlingException',
    });
  });

  it('when the deadline passes before EventBridge answers, then the promise rejects in time', async () => {
    const { client } = scriptedClient(async (entries) => {
      throw Object.assign(new Error(`unreachable for ${entries.length}`), { name: 'TimeoutError' });
    });
    const publisher = publisherWith(client, { baseBackoffMs: 20 });
    const started = Date.now();
    await expect(
      publisher.publish({ detailType: 't', detail: { n: 1 } }, { deadline: Date.now() + 100 }),
    ).rejects.toBeInstanceOf(PublishError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('when EventBridge never answers, then the promise still rejects at the deadline', async () => {
    const client = { send: () => new Promise<PutEventsCommandOutput>(() => undefined) };
    const publisher = publisherWith(client);
    const started = Date.now();
    await expect(
      publisher.publish({ detailType: 't', detail: { n: 1 } }, { deadline: Date.now() + 100 }),
    ).rejects.toMatchObject({ errorCode: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('when one entry of a call runs out of budget, then the others still wait for the call’s answer', async () => {
    const { client, calls } = scriptedClient(async (entries) => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      return accepted(entries);
    });
    const publisher = publisherWith(client, { lingerMs: 10 });
    const hurried = publisher.publish(
      { detailType: 't', detail: { n: 'hurried' } },
      { deadline: Date.now() + 60 },
    );
    const patient = publisher.publish(
      { detailType: 't', detail: { n: 'patient' } },
      { deadline: Date.now() + 5_000 },
    );
    await expect(hurried).rejects.toMatchObject({ errorCode: 'TimeoutError' });
    await expect(patient).resolves.toBeUndefined();
    expect(calls).toEqual([['hurried', 'patient']]);
  });

  it('when an event alone exceeds 256 KiB, then it is refused without a call', async () => {
    const { client, calls } = scriptedClient(accepted);
    const publisher = publisherWith(client);
    await expect(
      publisher.publish({ detailType: 't', detail: { big: 'x'.repeat(300 * 1024) } }),
    ).rejects.toMatchObject({ errorCode: 'TooLarge' });
    expect(calls).toHaveLength(0);
  });

  it('when sizing an entry, then source, detail-type and detail count in UTF-8 bytes', () => {
    expect(entrySize({ Source: 'ab', DetailType: 'c', Detail: '"é"' })).toBe(2 + 1 + 4);
  });
});
