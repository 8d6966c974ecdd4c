import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { toOutboxItem } from '#functions/outbox/outbox-item';
import { asTransient, callAws, cancellationCodes, isTransactionCanceled } from '#shared/adapters/aws-errors';
import type { Order } from '../domain/order.ts';
import type { AddOrderResult, ChangeOrderResult, NewOrder, OrderChange, OrderRepository } from '../ports.ts';

export const orderKey = (orderId: string) => ({ pk: `ORDER#${orderId}` });
const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** Position of each write in the place-order transaction; CancellationReasons follow the same order. */
const CLAIM_INDEX = 2;

/**
 * Orders, their outbox events and Idempotency-Key claims in DynamoDB. Every state change is one
 * TransactWriteItems with its outbox item (the transactional outbox): both are stored, or neither.
 */
export class DynamoOrderRepository implements OrderRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: {
      readonly orders: string;
      /** Needed only to place orders with an Idempotency-Key; the saga steps never write claims. */
      readonly idempotency?: string;
    },
  ) {}

  async add({ order, event, idempotency, now }: NewOrder): Promise<AddOrderResult> {
    const transactItems: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      {
        Put: {
          TableName: this.tables.orders,
          Item: { ...orderKey(order.orderId), ...order },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.tables.orders,
          Item: toOutboxItem(event, now),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
    const claimsTable = this.tables.idempotency;
    if (idempotency) {
      if (!claimsTable)
        throw new Error('DynamoOrderRepository needs the idempotency table to claim an Idempotency-Key');
      transactItems.push({
        Put: {
          TableName: claimsTable,
          Item: {
            id: idempotency.id,
            requestHash: idempotency.requestHash,
            orderId: order.orderId,
            expiration: epochSeconds(idempotency.expiresAt),
          },
          // TTL deletion is lazy (and never happens on DynamoDB Local), so an expired claim counts as absent.
          ConditionExpression: 'attribute_not_exists(#id) OR #expiration < :now',
          ExpressionAttributeNames: { '#id': 'id', '#expiration': 'expiration' },
          ExpressionAttributeValues: { ':now': epochSeconds(now) },
        },
      });
    }
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: transactItems }));
      return { kind: 'Added' };
    } catch (error) {
      if (!isTransactionCanceled(error)) throw asTransient('TransactWriteItems', error);
      const codes = cancellationCodes(error);
      if (idempotency && codes[CLAIM_INDEX] === 'ConditionalCheckFailed') {
        return {
          kind: 'KeyInUse',
          existing: await this.readClaim(claimsTable as string, idempotency.id, now),
        };
      }
      if (codes.includes('TransactionConflict')) return { kind: 'Contended' };
      throw asTransient('TransactWriteItems', error);
    }
  }

  async change(change: OrderChange): Promise<ChangeOrderResult> {
    const command = new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: this.tables.orders,
            Key: orderKey(change.orderId),
            UpdateExpression:
              change.status === 'CANCELLED'
                ? 'SET #status = :status, #reason = :reason, #updatedAt = :updatedAt, #version = :next'
                : 'SET #status = :status, #updatedAt = :updatedAt, #version = :next',
            ConditionExpression: '#status = :pending AND #version = :read',
            ExpressionAttributeNames: {
              '#status': 'status',
              '#updatedAt': 'updatedAt',
              '#version': 'version',
              ...(change.status === 'CANCELLED' ? { '#reason': 'reason' } : {}),
            },
            ExpressionAttributeValues: {
              ':status': change.status,
              ...(change.status === 'CANCELLED' ? { ':reason': change.reason } : {}),
              ':updatedAt': change.updatedAt,
              ':next': change.expectedVersion + 1,
              ':pending': 'PENDING',
              ':read': change.expectedVersion,
            },
          },
        },
        {
          Put: {
            TableName: this.tables.orders,
            Item: toOutboxItem(change.event, new Date(change.updatedAt)),
            // The eventId is deterministic, so this also stops a second event for the same step.
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    });
    try {
      await this.client.send(command);
      return { kind: 'Changed' };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (isTransactionCanceled(error) && codes.includes('ConditionalCheckFailed')) return { kind: 'Stale' };
      throw asTransient('TransactWriteItems', error);
    }
  }

  async get(orderId: string): Promise<Order | undefined> {
    const result = await callAws('GetItem', () =>
      this.client.send(
        new GetCommand({ TableName: this.tables.orders, Key: orderKey(orderId), ConsistentRead: true }),
      ),
    );
    if (!result.Item) return undefined;
    const { pk: _pk, ...order } = result.Item;
    return order as Order;
  }

  private async readClaim(table: string, id: string, now: Date) {
    const result = await callAws('GetItem', () =>
      this.client.send(new GetCommand({ TableName: table, Key: { id }, ConsistentRead: true })),
    );
    const item = result.Item;
    if (!item || typeof item.requestHash !== 'string' || typeof item.orderId !== 'string') return undefined;
    if (typeof item.expiration === 'number' && item.expiration < epochSeconds(now)) return undefined;
    return { requestHash: item.requestHash, orderId: item.orderId };
  }
}
