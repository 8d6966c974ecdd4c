import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbReadModelStore } from '#functions/analytics/adapters/dynamodb-read-model-store';
import type { ProjectionChange } from '#functions/analytics/domain/order-projection';
import { TransientDependencyError } from '#shared/domain/errors';

const dynamo = mockClient(DynamoDBDocumentClient);
const store = () =>
  new DynamoDbReadModelStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'ReadModel');

const confirmation: ProjectionChange = {
  readSequence: 1,
  summary: {
    orderId: 'order-1',
    customerId: 'customer-1',
    status: 'CONFIRMED',
    total: 4_250,
    sequence: 2,
    updatedAt: '2026-11-01T12:05:00.000Z',
  },
  stats: [
    { status: 'PENDING', orders: -1, revenue: -4_250 },
    { status: 'CONFIRMED', orders: 1, revenue: 4_250 },
  ],
};

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

describe('DynamoDB ReadModel store', () => {
  beforeEach(() => dynamo.reset());

  it('reads the order summary consistently and without its keys', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({ Item: { pk: 'ORDER#order-1', sk: 'SUMMARY', ...confirmation.summary } });

    // Act
    const summary = await store().getOrderSummary('order-1');

    // Assess
    expect(dynamo.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: 'ReadModel',
      Key: { pk: 'ORDER#order-1', sk: 'SUMMARY' },
      ConsistentRead: true,
    });
    expect(summary).toEqual(confirmation.summary);
  });

  it('writes the summary and moves the stats in one transaction, conditioned on the sequence it read', async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).resolves({});

    // Act
    const result = await store().apply(confirmation);

    // Assess
    expect(result).toBe('applied');
    const statsUpdate = (status: string, orders: number, revenue: number) => ({
      Update: {
        TableName: 'ReadModel',
        Key: { pk: 'STATS', sk: `STATUS#${status}` },
        UpdateExpression: 'SET #status = :status ADD #orders :orders, #revenue :revenue',
        ExpressionAttributeNames: { '#status': 'status', '#orders': 'orders', '#revenue': 'revenue' },
        ExpressionAttributeValues: { ':status': status, ':orders': orders, ':revenue': revenue },
      },
    });
    expect(dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input).toEqual({
      TransactItems: [
        {
          Put: {
            TableName: 'ReadModel',
            Item: { pk: 'ORDER#order-1', sk: 'SUMMARY', ...confirmation.summary },
            ConditionExpression: 'attribute_not_exists(pk) OR #sequence = :read',
            ExpressionAttributeNames: { '#sequence': 'sequence' },
            ExpressionAttributeValues: { ':read': 1 },
          },
        },
        statsUpdate('PENDING', -1, -4_250),
        statsUpdate('CONFIRMED', 1, 4_250),
      ],
    });
  });

  it.each([
    ['the sequence condition failed', ['ConditionalCheckFailed', 'None', 'None']],
    ['another transaction held an item', ['None', 'TransactionConflict', 'None']],
  ])('reports a lost race when %s, so the use case re-reads', async (_, codes) => {
    // Prepare
    dynamo.on(TransactWriteCommand).rejects(cancelled(...codes));

    // Act
    const result = await store().apply(confirmation);

    // Assess
    expect(result).toBe('conflict');
  });

  it('reports a throttled transaction or read as a TransientDependencyError', async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).rejects(cancelled('None', 'ThrottlingError', 'None'));
    dynamo
      .on(GetCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'Throughput exceeded', $metadata: {} }));

    // Act
    const write = store().apply(confirmation);
    const read = store().getOrderSummary('order-1');

    // Assess
    await expect(write).rejects.toBeInstanceOf(TransientDependencyError);
    await expect(read).rejects.toBeInstanceOf(TransientDependencyError);
  });
});
