import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  InternalServerError,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoShipmentStore } from '#functions/shipping/dynamo-shipment-store';
import { TransientDependencyError } from '#shared/domain/errors';

const TABLE = 'Shipments';
const AT = new Date('2026-11-01T12:00:00.000Z');
const dynamo = mockClient(DynamoDBDocumentClient);
const store = new DynamoShipmentStore(
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
  TABLE,
);

describe('DynamoShipmentStore', () => {
  beforeEach(() => {
    dynamo.reset();
  });

  it('records a shipment only where the order has none, and cancels only a CREATED one', async () => {
    // Prepare
    const conditionFailed = new ConditionalCheckFailedException({
      message: 'The conditional request failed',
      $metadata: {},
    });
    dynamo.on(PutCommand).resolvesOnce({}).rejectsOnce(conditionFailed);
    dynamo.on(UpdateCommand).rejects(conditionFailed);
    const record = { orderId: 'order-1', status: 'CREATED', shipmentId: 'shp_1' } as const;

    // Act
    const created = [await store.create(record, AT), await store.create(record, AT)];
    const cancelled = await store.markCancelled('order-1', AT);

    // Assess
    expect(created).toEqual([true, false]);
    expect(cancelled).toBe(false);
    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: {
        pk: 'SHIPMENT#order-1',
        orderId: 'order-1',
        status: 'CREATED',
        shipmentId: 'shp_1',
        createdAt: AT.toISOString(),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'SHIPMENT#order-1' },
      UpdateExpression: 'SET #status = :cancelled, cancelledAt = :at',
      ConditionExpression: '#status = :created',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':cancelled': 'CANCELLED',
        ':created': 'CREATED',
        ':at': AT.toISOString(),
      },
    });
  });

  it('maps a DynamoDB 5xx on read to TransientDependencyError', async () => {
    // Prepare
    dynamo
      .on(GetCommand)
      .rejects(new InternalServerError({ message: 'internal error', $metadata: { httpStatusCode: 500 } }));

    // Act
    const read = store.get('order-1');

    // Assess
    await expect(read).rejects.toBeInstanceOf(TransientDependencyError);
  });
});
