import {
  BatchGetCommand,
  type BatchGetCommandInput,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { chunk } from '#shared/adapters/eventbridge-publisher';
import type { RelayLedger } from '../ports.ts';

export const LEDGER_PREFIX = 'outbox-relay#';
const BATCH_GET_MAX_KEYS = 100;
const BATCH_WRITE_MAX_ITEMS = 25;
/** Batch calls may leave items unprocessed under throttling; they are retried with backoff this many times. */
const MAX_ATTEMPTS = 5;

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/**
 * The relay ledger in the Idempotency table: one `outbox-relay#<eventId>` item per relayed event,
 * with a TTL `expiration`. An expired item counts as absent, because TTL deletion is lazy.
 */
export class DynamoRelayLedger implements RelayLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly backoffMs = 50,
  ) {}

  async relayed(eventIds: readonly string[], now: Date): Promise<ReadonlySet<string>> {
    const found = new Set<string>();
    const nowSeconds = epochSeconds(now);
    for (const batch of chunk([...new Set(eventIds)], BATCH_GET_MAX_KEYS)) {
      let request: BatchGetCommandInput['RequestItems'] | undefined = {
        [this.table]: {
          Keys: batch.map((eventId) => ({ id: `${LEDGER_PREFIX}${eventId}` })),
          ProjectionExpression: '#id, #expiration',
          ExpressionAttributeNames: { '#id': 'id', '#expiration': 'expiration' },
        },
      };
      for (let attempt = 1; request && Object.keys(request).length > 0; attempt += 1) {
        await this.beforeAttempt(attempt, 'BatchGetItem');
        const result: BatchGetCommandOutput = await this.client.send(
          new BatchGetCommand({ RequestItems: request }),
        );
        for (const item of result.Responses?.[this.table] ?? []) {
          if (typeof item.expiration === 'number' && item.expiration > nowSeconds) {
            found.add(String(item.id).slice(LEDGER_PREFIX.length));
          }
        }
        request = result.UnprocessedKeys;
      }
    }
    return found;
  }

  async record(eventIds: readonly string[], expiresAt: Date): Promise<void> {
    const expiration = epochSeconds(expiresAt);
    for (const batch of chunk([...new Set(eventIds)], BATCH_WRITE_MAX_ITEMS)) {
      let request: BatchWriteCommandInput['RequestItems'] | undefined = {
        [this.table]: batch.map((eventId) => ({
          PutRequest: { Item: { id: `${LEDGER_PREFIX}${eventId}`, expiration } },
        })),
      };
      for (let attempt = 1; request && Object.keys(request).length > 0; attempt += 1) {
        await this.beforeAttempt(attempt, 'BatchWriteItem');
        const result: BatchWriteCommandOutput = await this.client.send(
          new BatchWriteCommand({ RequestItems: request }),
        );
        request = result.UnprocessedItems;
      }
    }
  }

  private async beforeAttempt(attempt: number, operation: string): Promise<void> {
    if (attempt > MAX_ATTEMPTS)
      throw new Error(`${operation} left items unprocessed after ${MAX_ATTEMPTS} attempts`);
    if (attempt > 1) await pause(this.backoffMs * 2 ** (attempt - 2));
  }
}
