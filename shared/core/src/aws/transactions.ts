import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { AppError } from '../errors';
import type { DynamoDBDocumentClient } from './dynamo';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface CancellationReason {
  Code?: string;
  Item?: Record<string, unknown>;
}

/** Why DynamoDB cancelled a transaction, item by item; undefined when it was not cancelled. */
export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  return (
    (error as Error & { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? []
  );
}

/** Which items of a cancelled transaction failed their condition, by index. */
export function failedConditions(error: unknown): number[] | undefined {
  return cancellationReasons(error)?.flatMap((reason, index) =>
    reason.Code === 'ConditionalCheckFailed' ? [index] : [],
  );
}

/** Cancelled only because another write of one of its items was under way: nothing of it was wrong. */
function cancelledByConflictAlone(error: unknown): boolean {
  const reasons = cancellationReasons(error) ?? [];
  return (
    reasons.some((reason) => reason.Code === 'TransactionConflict') &&
    reasons.every((reason) => ['None', 'TransactionConflict', undefined].includes(reason.Code))
  );
}

/** Tries of a transaction that keeps meeting other writes of the same items. */
const MAX_TRIES = 4;
const BACKOFF_BASE_MS = 20;

/** Full jitter: two writers that collided do not come back in step. */
const backoffMs = (tries: number) => Math.random() * BACKOFF_BASE_MS * 2 ** tries;

/**
 * Writes the items in one transaction. Each try carries its own ClientRequestToken, which the
 * SDK's retries resend (also when DynamoDB is still running the try): a retry of a try whose
 * answer was lost is answered as that try went, instead of failing its own conditions. A try
 * cancelled by a TransactionConflict alone did not apply (moto never answers one, DynamoDB does
 * when two writers meet): it is made again with a new token, and meets the other write's outcome
 * then; past the tries, 409.
 */
export async function transactWrite(
  db: DynamoDBDocumentClient,
  items: TransactItem[],
): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      await db.send(
        new TransactWriteCommand({ TransactItems: items, ClientRequestToken: randomUUID() }),
      );
      return;
    } catch (error) {
      if (!cancelledByConflictAlone(error)) throw error;
      if (tries >= MAX_TRIES)
        throw new AppError('conflict', 'The resource kept changing meanwhile; try again', {
          cause: error,
        });
      await sleep(backoffMs(tries));
    }
  }
}
