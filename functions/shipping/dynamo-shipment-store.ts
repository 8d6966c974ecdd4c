import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { asTransient, awsErrorName, callAws } from '#shared/adapters/aws-errors';
import type { ShipmentRecord } from './shipment.ts';
import type { ShipmentStore } from './shipment-store.ts';

export const shipmentKey = (orderId: string) => `SHIPMENT#${orderId}`;

const StoredShipment = z.discriminatedUnion('status', [
  z.object({ orderId: z.string(), status: z.literal('CREATED'), shipmentId: z.string() }),
  z.object({ orderId: z.string(), status: z.literal('REFUSED'), country: z.string() }),
  z.object({ orderId: z.string(), status: z.literal('CANCELLED'), shipmentId: z.optional(z.string()) }),
]);

/** `SHIPMENT#<orderId>` {orderId, status, shipmentId | country} in the Shipments table. */
export class DynamoShipmentStore implements ShipmentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orderId: string): Promise<ShipmentRecord | undefined> {
    const result = await callAws('reading a shipment', () =>
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: shipmentKey(orderId) },
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item ? StoredShipment.parse(result.Item) : undefined;
  }

  async create(record: ShipmentRecord, at: Date): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: shipmentKey(record.orderId), ...record, createdAt: at.toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return false;
      throw asTransient('recording a shipment', error);
    }
  }

  async markCancelled(orderId: string, at: Date): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: shipmentKey(orderId) },
          UpdateExpression: 'SET #status = :cancelled, cancelledAt = :at',
          ConditionExpression: '#status = :created',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':cancelled': 'CANCELLED',
            ':created': 'CREATED',
            ':at': at.toISOString(),
          },
        }),
      );
      return true;
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return false;
      throw asTransient('cancelling a shipment', error);
    }
  }
}
