import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { asTransient, awsErrorName, callAws } from '#shared/adapters/aws-errors';
import { TransientDependencyError } from '#shared/domain/errors';
import type { InventoryStore, ReserveAttempt } from './inventory-store.ts';
import type { Reservation, StockLine } from './reservation.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export const skuKey = (sku: string) => `SKU#${sku}`;
export const reservationKey = (orderId: string) => `RESERVATION#${orderId}`;

const StoredReservation = z.object({
  orderId: z.string(),
  status: z.enum(['RESERVED', 'RELEASED']),
  items: z.array(z.object({ sku: z.string(), quantity: z.number() })),
});

const CONDITION_FAILED = 'ConditionalCheckFailed';

/** The per-item codes of a cancelled transaction, in the order of its TransactItems. */
const cancellationCodes = (error: unknown): string[] | undefined => {
  if (awsErrorName(error) !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code ?? 'None');
};

/** A transaction cancelled for any reason but a failed condition (a conflict, throttling) is worth a retry. */
const transientCancellation = (operation: string, codes: readonly string[], cause: unknown) =>
  new TransientDependencyError(`${operation} was cancelled (${codes.join(', ') || 'no reasons'})`, { cause });

/**
 * The Inventory table: `SKU#<sku>` {sku, name, price, available} and `RESERVATION#<orderId>` {status, items}.
 */
export class DynamoInventoryStore implements InventoryStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async reserve(orderId: string, lines: readonly StockLine[], at: Date): Promise<ReserveAttempt> {
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: {
            pk: reservationKey(orderId),
            orderId,
            status: 'RESERVED',
            items: lines.map(({ sku, quantity }) => ({ sku, quantity })),
            reservedAt: at.toISOString(),
          },
          // Also refuses a RELEASED tombstone: never reserve after the compensation ran.
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...lines.map(
        (line): TransactItem => ({
          Update: {
            TableName: this.tableName,
            Key: { pk: skuKey(line.sku) },
            UpdateExpression: 'SET available = available - :quantity',
            ConditionExpression: 'attribute_exists(pk) AND available >= :quantity',
            ExpressionAttributeValues: { ':quantity': line.quantity },
          },
        }),
      ),
    ];
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return { outcome: 'RESERVED' };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes) throw asTransient('reserving stock', error);
      if (codes[0] === CONDITION_FAILED) return { outcome: 'RESERVATION_EXISTS' };
      const unavailableSkus = lines
        .filter((_, index) => codes[index + 1] === CONDITION_FAILED)
        .map((l) => l.sku);
      if (unavailableSkus.length > 0) return { outcome: 'UNAVAILABLE', unavailableSkus };
      throw transientCancellation('reserving stock', codes, error);
    }
  }

  async getReservation(orderId: string): Promise<Reservation | undefined> {
    const result = await callAws('reading a reservation', () =>
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: reservationKey(orderId) },
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item ? StoredReservation.parse(result.Item) : undefined;
  }

  async release(reservation: Reservation, at: Date): Promise<'RELEASED' | 'NOT_RESERVED'> {
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: { pk: reservationKey(reservation.orderId) },
          UpdateExpression: 'SET #status = :released, releasedAt = :at',
          ConditionExpression: '#status = :reserved',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':released': 'RELEASED',
            ':reserved': 'RESERVED',
            ':at': at.toISOString(),
          },
        },
      },
      ...reservation.items.map(
        (line): TransactItem => ({
          Update: {
            TableName: this.tableName,
            Key: { pk: skuKey(line.sku) },
            UpdateExpression: 'ADD available :quantity',
            ExpressionAttributeValues: { ':quantity': line.quantity },
          },
        }),
      ),
    ];
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return 'RELEASED';
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes) throw asTransient('releasing stock', error);
      if (codes[0] === CONDITION_FAILED) return 'NOT_RESERVED';
      throw transientCancellation('releasing stock', codes, error);
    }
  }

  async writeReleasedTombstone(orderId: string, at: Date): Promise<'WRITTEN' | 'EXISTS'> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: reservationKey(orderId),
            orderId,
            status: 'RELEASED',
            items: [],
            releasedAt: at.toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'WRITTEN';
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return 'EXISTS';
      throw asTransient('writing a release tombstone', error);
    }
  }
}
