import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { rethrowAwsError } from '#shared/adapters/aws-errors';
import { TransientDependencyError } from '#shared/domain/errors';
import type { OrderStatus } from '#shared/events/schemas';
import type { OrderSummary, ProjectionChange } from '../domain/order-projection.ts';
import type { ApplyResult, ReadModelStore } from '../ports.ts';

export const orderSummaryKey = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'SUMMARY' });
export const statusStatsKey = (status: OrderStatus) => ({ pk: 'STATS', sk: `STATUS#${status}` });

/** Cancellation codes that mean "someone else wrote first": re-read and try again. */
const LOST_RACE_CODES = new Set(['ConditionalCheckFailed', 'TransactionConflict']);
const THROTTLED_CODES = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);

type StoredSummary = OrderSummary & { readonly pk: string; readonly sk: string };

/** The ReadModel table (pk, sk): `ORDER#<id>`/`SUMMARY` items and `STATS`/`STATUS#<status>` counters. */
export class DynamoDbReadModelStore implements ReadModelStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getOrderSummary(orderId: string): Promise<OrderSummary | undefined> {
    try {
      const { Item } = await this.client.send(
        // Consistent, so the conditional write below rarely loses to our own previous write.
        new GetCommand({ TableName: this.tableName, Key: orderSummaryKey(orderId), ConsistentRead: true }),
      );
      if (!Item) return undefined;
      const { pk: _pk, sk: _sk, ...summary } = Item as StoredSummary;
      return summary;
    } catch (error) {
      return rethrowAwsError(error, `reading the summary of order ${orderId}`);
    }
  }

  async apply(change: ProjectionChange): Promise<ApplyResult> {
    const { summary } = change;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...orderSummaryKey(summary.orderId), ...summary },
                ConditionExpression: 'attribute_not_exists(pk) OR #sequence = :read',
                ExpressionAttributeNames: { '#sequence': 'sequence' },
                ExpressionAttributeValues: { ':read': change.readSequence },
              },
            },
            ...change.stats.map((delta) => ({
              Update: {
                TableName: this.tableName,
                Key: statusStatsKey(delta.status),
                UpdateExpression: 'SET #status = :status ADD #orders :orders, #revenue :revenue',
                ExpressionAttributeNames: { '#status': 'status', '#orders': 'orders', '#revenue': 'revenue' },
                ExpressionAttributeValues: {
                  ':status': delta.status,
                  ':orders': delta.orders,
                  ':revenue': delta.revenue,
                },
              },
            })),
          ],
        }),
      );
      return 'applied';
    } catch (error) {
      const doing = `projecting sequence ${summary.sequence} of order ${summary.orderId}`;
      if ((error as Error).name === 'TransactionCanceledException') {
        const codes = (
          (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []
        ).map((reason) => reason.Code ?? 'None');
        if (codes.some((code) => LOST_RACE_CODES.has(code))) return 'conflict';
        if (codes.some((code) => THROTTLED_CODES.has(code))) {
          throw new TransientDependencyError(`${doing} was throttled (${codes.join(', ')})`, {
            cause: error,
          });
        }
      }
      return rethrowAwsError(error, doing);
    }
  }
}
