import { createHash, randomUUID } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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

/** Whose key it is: the tenant, the channel within it (a form, an API key) and the key itself. */
export interface IdempotencyKey {
  tenantId: string;
  scope: string;
  key: string;
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

  /**
   * Runs `work` once for the key. `attempt` names what the work will do (the ids it will
   * create): it is kept with the key, and when an earlier attempt of the same request failed or
   * was abandoned — its effect may still have happened — `work` gets that attempt's names
   * instead, so doing it again does the same thing rather than something new.
   */
  async run<T extends StoredResponse, A>(
    { tenantId, scope, key }: IdempotencyKey,
    requestFingerprint: string,
    attempt: A,
    work: (attempt: A) => Promise<T>,
  ): Promise<IdempotentResult<T>> {
    // Tenant first, like every key of tenant data (DESIGN §3): the record holds the answer.
    const itemKey = { PK: `TENANT#${tenantId}#IDEMP#${scope}#${key}`, SK: 'IDEMP' };
    const claimed = await this.claim(itemKey, requestFingerprint, attempt);
    if ('replay' in claimed) return { response: claimed.replay as T, replayed: true };
    let response: T;
    try {
      response = await work(claimed.attempt);
    } catch (error) {
      await this.release(itemKey, requestFingerprint, claimed.lockedUntil);
      throw error;
    }
    await this.complete(itemKey, response);
    return { response, replayed: false };
  }

  /**
   * Stores the answer for replays. The work is done by now, so failing to store its answer must
   * not turn it into an error: the client would retry work that succeeded. A retry within the
   * lock gets 409; after it, the work runs again under the same names, which is why this is
   * logged as an error.
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

  /**
   * Takes the key for this attempt, or takes over the failed or abandoned attempt of the same
   * request, or returns the stored answer of an earlier one.
   */
  private async claim<A>(
    itemKey: Record<string, string>,
    requestFingerprint: string,
    attempt: A,
  ): Promise<{ replay: StoredResponse } | Claimed<A>> {
    const now = Date.now();
    const lockedUntil = now + this.lockSeconds * 1000;
    const owner = randomUUID();
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.table,
          Item: {
            ...itemKey,
            state: 'in_progress',
            fingerprint: requestFingerprint,
            attempt,
            lockedUntil,
            owner,
            expiresAt: epochSeconds(now) + this.ttlSeconds,
          },
          ConditionExpression: 'attribute_not_exists(PK) OR expiresAt <= :nowSeconds',
          ExpressionAttributeValues: { ':nowSeconds': epochSeconds(now) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { attempt, lockedUntil };
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      const existing = conditionFailureItem(error);
      if (!existing) throw error;
      if (isOurs(existing, owner)) return { attempt: existing.attempt as A, lockedUntil };
      if (existing.fingerprint !== requestFingerprint) {
        throw new AppError(
          'idempotency_key_reused',
          'This Idempotency-Key was used with a different request',
        );
      }
      if (existing.state === 'completed') return { replay: existing.response as StoredResponse };
      if (Number(existing.lockedUntil) >= now) throw stillRunning();
      return this.takeOver(itemKey, existing, attempt, lockedUntil, owner);
    }
  }

  /** Locks the record of an attempt that failed or was abandoned, keeping what it named. */
  private async takeOver<A>(
    itemKey: Record<string, string>,
    existing: Record<string, unknown>,
    attempt: A,
    lockedUntil: number,
    owner: string,
  ): Promise<Claimed<A>> {
    try {
      const { Attributes } = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.table,
          Key: itemKey,
          UpdateExpression:
            'SET lockedUntil = :lockedUntil, #owner = :owner, attempt = if_not_exists(attempt, :attempt)',
          ConditionExpression:
            '#state = :inProgress AND fingerprint = :fingerprint AND lockedUntil = :seen',
          ExpressionAttributeNames: { '#state': 'state', '#owner': 'owner' },
          ExpressionAttributeValues: {
            ':lockedUntil': lockedUntil,
            ':owner': owner,
            ':attempt': attempt,
            ':inProgress': 'in_progress',
            ':fingerprint': existing.fingerprint,
            ':seen': existing.lockedUntil,
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { attempt: Attributes!.attempt as A, lockedUntil };
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      const current = conditionFailureItem(error);
      if (current && isOurs(current, owner)) return { attempt: current.attempt as A, lockedUntil };
      // Another retry took it over first.
      throw stillRunning();
    }
  }

  /**
   * Unlocks the key after a failed attempt, keeping its record: the attempt may have had its
   * effect after all (a call abandoned at its deadline can still arrive), so a retry must do the
   * same thing again. Until a retry succeeds, the key stays bound to this request.
   */
  private async release(
    itemKey: Record<string, string>,
    requestFingerprint: string,
    lockedUntil: number,
  ): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.table,
          Key: itemKey,
          UpdateExpression: 'SET lockedUntil = :released',
          ConditionExpression:
            '#state = :inProgress AND fingerprint = :fingerprint AND lockedUntil = :ours',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':released': 0,
            ':inProgress': 'in_progress',
            ':fingerprint': requestFingerprint,
            ':ours': lockedUntil,
          },
        }),
      );
    } catch {
      // The lock expires on its own.
    }
  }
}

interface Claimed<A> {
  attempt: A;
  lockedUntil: number;
}

/**
 * The record is this attempt's own: the SDK retried a write whose first try was applied but
 * whose answer was lost, and the retry's condition failed against it.
 */
const isOurs = (item: Record<string, unknown>, owner: string) => item.owner === owner;

const stillRunning = () =>
  new AppError('conflict', 'A request with this Idempotency-Key is still being processed', {
    headers: { 'Retry-After': '1' },
  });
