import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { asTransient, awsErrorName, callAws } from '#shared/adapters/aws-errors';
import type { PaymentRecord } from './payment.ts';
import type { PaymentStore } from './payment-store.ts';

export const paymentKey = (orderId: string) => `PAYMENT#${orderId}`;

const StoredPayment = z.discriminatedUnion('status', [
  z.object({
    orderId: z.string(),
    status: z.enum(['AUTHORIZED', 'REFUNDED']),
    amount: z.number(),
    currency: z.string(),
    authorizationId: z.string(),
  }),
  z.object({ orderId: z.string(), status: z.literal('DECLINED'), amount: z.number(), currency: z.string() }),
  z.object({ orderId: z.string(), status: z.literal('VOID') }),
]);

/** `PAYMENT#<orderId>` {orderId, status, amount, currency, authorizationId} in the Payments table. */
export class DynamoPaymentStore implements PaymentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orderId: string): Promise<PaymentRecord | undefined> {
    const result = await callAws('reading a payment', () =>
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: paymentKey(orderId) }, ConsistentRead: true }),
      ),
    );
    return result.Item ? StoredPayment.parse(result.Item) : undefined;
  }

  async create(record: PaymentRecord, at: Date): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: paymentKey(record.orderId), ...record, createdAt: at.toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return false;
      throw asTransient('recording a payment', error);
    }
  }

  async markRefunded(orderId: string, at: Date): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: paymentKey(orderId) },
          UpdateExpression: 'SET #status = :refunded, refundedAt = :at',
          ConditionExpression: '#status = :authorized',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':refunded': 'REFUNDED',
            ':authorized': 'AUTHORIZED',
            ':at': at.toISOString(),
          },
        }),
      );
      return true;
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return false;
      throw asTransient('marking a payment refunded', error);
    }
  }
}
