import { createHash } from 'node:crypto';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  conditionFailureItem,
  epochSeconds,
  isConditionalCheckFailure,
  type DynamoDBDocumentClient,
} from '../aws/dynamo';
import { AppError } from '../errors';
import type { Logger } from '../logger';

export interface StoredResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface IdempotencyOptions {
  client: DynamoDBDocumentClient;
  table: string;
  logger: Logger;
  /** How long a finished answer is replayed. */
  ttlSeconds?: number;
  /** How long an unfinished attempt blocks others with the same key. */
  lockSeconds?: number;
}

export interface IdempotentResult<T extends StoredResponse> {
  response: T;
  replayed: boolean;
}

/** A stable fingerprint of a request: same content, same fingerprint, whatever the key order. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Tries to store a finished answer: the SDK's own retries are under each. */
const COMPLETE_ATTEMPTS = 3;

/** DynamoDB refused the write itself (an answer too big for an item): trying again cannot help. */
const isValidationError = (error: unknown) =>
  error instanceof Error && error.name === 'ValidationException';

/**
 * Same key and same request → the first answer, and the work done once.
 * Same key, different request → 422. Same key while the first attempt still runs → 409.
 */
export class IdempotencyStore {
  private readonly ttlSeconds: number;
  private readonly lockSeconds: number;

  constructor(private readonly options: IdempotencyOptions) {
    this.ttlSeconds = options.ttlSeconds ?? 24 * 60 * 60;
    this.lockSeconds = options.lockSeconds ?? 30;
  }

  async run<T extends StoredResponse>(
    scope: string,
    key: string,
    requestFingerprint: string,
    work: () => Promise<T>,
  ): Promise<IdempotentResult<T>> {
    const itemKey = { PK: `IDEMP#${scope}#${key}`, SK: 'IDEMP' };
    const replay = await this.claim(itemKey, requestFingerprint);
    if (replay) return { response: replay as T, replayed: true };
    let response: T;
    try {
      response = await work();
    } catch (error) {
      await this.release(itemKey, requestFingerprint);
      throw error;
    }
    await this.complete(itemKey, response);
    return { response, replayed: false };
  }

  /**
   * Stores the answer for replays. The work is done by now, so failing to store its answer must
   * not turn it into an error: the client would retry work that succeeded. A retry within the
   * lock gets 409; after it, the work could run again, which is why this is logged as an error.
   */
  private async complete(itemKey: Record<string, string>, response: StoredResponse) {
    for (let attempt = 1; attempt <= COMPLETE_ATTEMPTS; attempt++) {
      try {
        await this.options.client.send(
          new UpdateCommand({
            TableName: this.options.table,
            Key: itemKey,
            UpdateExpression: 'SET #state = :completed, #response = :response REMOVE lockedUntil',
            ExpressionAttributeNames: { '#state': 'state', '#response': 'response' },
            ExpressionAttributeValues: { ':completed': 'completed', ':response': response },
          }),
        );
        return;
      } catch (error) {
        if (attempt === COMPLETE_ATTEMPTS || isValidationError(error)) {
          this.options.logger.error(
            { err: error, key: itemKey.PK },
            'idempotent answer not stored; a retry after the lock may run the work again',
          );
          return;
        }
      }
    }
  }

  /** Takes the key for this attempt, or returns the stored answer of an earlier one. */
  private async claim(
    itemKey: Record<string, string>,
    requestFingerprint: string,
  ): Promise<StoredResponse | undefined> {
    const now = Date.now();
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.table,
          Item: {
            ...itemKey,
            state: 'in_progress',
            fingerprint: requestFingerprint,
            lockedUntil: now + this.lockSeconds * 1000,
            expiresAt: epochSeconds(now) + this.ttlSeconds,
          },
          ConditionExpression:
            'attribute_not_exists(PK) OR expiresAt <= :nowSeconds OR (#state = :inProgress AND lockedUntil < :now AND fingerprint = :fingerprint)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':nowSeconds': epochSeconds(now),
            ':now': now,
            ':inProgress': 'in_progress',
            ':fingerprint': requestFingerprint,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return undefined;
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      const existing = conditionFailureItem(error);
      if (existing?.fingerprint !== requestFingerprint) {
        throw new AppError(
          'idempotency_key_reused',
          'This Idempotency-Key was used with a different request',
        );
      }
      if (existing.state === 'completed') return existing.response as StoredResponse;
      throw new AppError(
        'conflict',
        'A request with this Idempotency-Key is still being processed',
        {
          headers: { 'Retry-After': '1' },
        },
      );
    }
  }

  private async release(
    itemKey: Record<string, string>,
    requestFingerprint: string,
  ): Promise<void> {
    try {
      await this.options.client.send(
        new DeleteCommand({
          TableName: this.options.table,
          Key: itemKey,
          ConditionExpression: '#state = :inProgress AND fingerprint = :fingerprint',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':inProgress': 'in_progress',
            ':fingerprint': requestFingerprint,
          },
        }),
      );
    } catch {
      // The lock expires on its own.
    }
  }
}
