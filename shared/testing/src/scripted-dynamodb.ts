import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { documentClient, type DynamoDBDocumentClient } from '@leadflow/core';

/** What the fake answers one request: a status and JSON body, or a connection lost. */
export type ScriptedAnswer = { status: number; body?: object } | 'connection lost';

export interface SentRequest {
  /** The operation, as in X-Amz-Target: `DynamoDB_20120810.TransactWriteItems`. */
  target: string;
  body: Record<string, unknown>;
}

export const ok: ScriptedAnswer = { status: 200, body: {} };

/** A cancelled transaction, one code per item: `None`, `ConditionalCheckFailed`, `TransactionConflict`. */
export const cancelled = (...codes: string[]): ScriptedAnswer => ({
  status: 400,
  body: {
    __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    CancellationReasons: codes.map((Code) => ({ Code })),
  },
});

/** The body's bytes as text, read as bytes: the SDK warns when its body is read as a string. */
const textOf = (body: unknown) =>
  body instanceof Uint8Array ? new TextDecoder().decode(body) : String(body);

/**
 * A DynamoDB that answers from a script (answers in turn, or one computed per request),
 * underneath a real SDK client: the SDK's own retries, serialisation and error parsing run as
 * they do against AWS. For what moto does not do as AWS does: cancel a transaction for a
 * conflict, lose an answer, answer a LastEvaluatedKey at a Query's Limit with nothing left.
 */
export function scriptedDynamoDB(
  answers: ScriptedAnswer[] | ((request: SentRequest) => ScriptedAnswer),
): {
  db: DynamoDBDocumentClient;
  /** Each command's input as given to the SDK, once however often the SDK sends it. */
  given: Array<Record<string, unknown>>;
  /** Each request as it went over the wire, retries included. */
  sent: SentRequest[];
} {
  const given: Array<Record<string, unknown>> = [];
  const sent: SentRequest[] = [];
  const requestHandler = {
    async handle(request: { headers: Record<string, string>; body?: unknown }) {
      const current = {
        target: request.headers['x-amz-target'] ?? '',
        body: JSON.parse(textOf(request.body)) as Record<string, unknown>,
      };
      sent.push(current);
      const answer = typeof answers === 'function' ? answers(current) : answers.shift();
      if (!answer) throw new Error('the script has no answer left');
      if (answer === 'connection lost')
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      return {
        response: {
          statusCode: answer.status,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: Readable.from([Buffer.from(JSON.stringify(answer.body ?? {}))]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
  const client = new DynamoDBClient({
    region: 'eu-central-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 3,
    requestHandler,
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      given.push({ ...(args.input as Record<string, unknown>) });
      return next(args);
    },
    { step: 'initialize', name: 'recordGivenInput' },
  );
  return { db: documentClient(client), given, sent };
}

type Marshalled = Record<string, Record<string, unknown>>;

/**
 * A DynamoDB whose Query reads `items` (marshalled, in key order, no conditions or filters
 * applied) as AWS does and moto does not: a call that stops at its Limit answers a
 * LastEvaluatedKey even when nothing is left. `itemsPerCall` imitates its 1 MB a call.
 */
export function dynamoQueryingAsAws(
  items: Marshalled[],
  options: { itemsPerCall?: number; keyOf?: (item: Marshalled) => Marshalled } = {},
) {
  const { itemsPerCall = Infinity, keyOf = ({ PK, SK }) => ({ PK: PK!, SK: SK! }) } = options;
  const position = (key: unknown) =>
    key === undefined
      ? -1
      : items.findIndex((item) => JSON.stringify(keyOf(item)) === JSON.stringify(key));
  return scriptedDynamoDB(({ body }) => {
    const ordered = body.ScanIndexForward === false ? [...items].reverse() : items;
    const start =
      body.ExclusiveStartKey === undefined
        ? 0
        : ordered.indexOf(items[position(body.ExclusiveStartKey)]!) + 1;
    const rest = ordered.slice(start);
    const page = rest.slice(0, Math.min(Number(body.Limit ?? Infinity), itemsPerCall));
    const stopped = page.length === body.Limit || page.length < rest.length;
    return {
      status: 200,
      body: {
        Items: page,
        Count: page.length,
        ScannedCount: page.length,
        ...(stopped && page.length > 0 ? { LastEvaluatedKey: keyOf(page[page.length - 1]!) } : {}),
      },
    };
  });
}
