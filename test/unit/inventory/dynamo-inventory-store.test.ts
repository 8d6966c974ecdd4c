import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoInventoryStore } from '#functions/inventory/dynamo-inventory-store';
import { TransientDependencyError } from '#shared/domain/errors';

const TABLE = 'Inventory';
const AT = new Date('2026-11-01T12:00:00.000Z');
const dynamo = mockClient(DynamoDBDocumentClient);
const store = new DynamoInventoryStore(
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
  TABLE,
);

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

const lines = [
  { sku: 'MUG', quantity: 2 },
  { sku: 'TEE', quantity: 1 },
];

describe('DynamoInventoryStore', () => {
  beforeEach(() => {
    dynamo.reset();
  });

  it('reserves in one transaction: the reservation only if none exists, each sku only if enough is available', async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).resolves({});

    // Act
    const attempt = await store.reserve('order-1', lines, AT);

    // Assess
    expect(attempt).toEqual({ outcome: 'RESERVED' });
    expect(dynamo.commandCalls(TransactWriteCommand).map((call) => call.args[0].input)).toEqual([
      {
        TransactItems: [
          {
            Put: {
              TableName: TABLE,
              Item: {
                pk: 'RESERVATION#order-1',
                orderId: 'order-1',
                status: 'RESERVED',
                items: lines,
                reservedAt: AT.toISOString(),
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...lines.map((line) => ({
            Update: {
              TableName: TABLE,
              Key: { pk: `SKU#${line.sku}` },
              UpdateExpression: 'SET available = available - :quantity',
              ConditionExpression: 'attribute_exists(pk) AND available >= :quantity',
              ExpressionAttributeValues: { ':quantity': line.quantity },
            },
          })),
        ],
      },
    ]);
  });

  it('reads a failed reservation condition as an existing reservation, whatever the skus say', async () => {
    // Prepare
    dynamo
      .on(TransactWriteCommand)
      .rejects(cancelled('ConditionalCheckFailed', 'ConditionalCheckFailed', 'None'));

    // Act
    const attempt = await store.reserve('order-1', lines, AT);

    // Assess
    expect(attempt).toEqual({ outcome: 'RESERVATION_EXISTS' });
  });

  it('names the skus whose conditions failed as unavailable', async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'ConditionalCheckFailed'));

    // Act
    const attempt = await store.reserve('order-1', lines, AT);

    // Assess
    expect(attempt).toEqual({ outcome: 'UNAVAILABLE', unavailableSkus: ['TEE'] });
  });

  it('turns a transaction conflict, throttling and a 5xx into TransientDependencyError, and rethrows a validation error as it is', async () => {
    // Prepare
    const invalid = Object.assign(new Error('One or more parameter values were invalid'), {
      name: 'ValidationException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('None', 'TransactionConflict', 'None'))
      .rejectsOnce(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }))
      .rejectsOnce(new InternalServerError({ message: 'internal error', $metadata: { httpStatusCode: 500 } }))
      .rejectsOnce(invalid);

    // Act
    const failures = [];
    for (let attempt = 0; attempt < 4; attempt += 1) {
      failures.push(await store.reserve('order-1', lines, AT).catch((error: Error) => error));
    }

    // Assess
    expect(failures.slice(0, 3).every((failure) => failure instanceof TransientDependencyError)).toBe(true);
    expect(failures[3]).toBe(invalid);
  });

  it('releases in one transaction: RELEASED only if still RESERVED, and every line added back', async () => {
    // Prepare
    dynamo
      .on(TransactWriteCommand)
      .resolvesOnce({})
      .rejectsOnce(cancelled('ConditionalCheckFailed', 'None', 'None'));
    const reservation = { orderId: 'order-1', status: 'RESERVED', items: lines } as const;

    // Act
    const outcomes = [await store.release(reservation, AT), await store.release(reservation, AT)];

    // Assess
    expect(outcomes).toEqual(['RELEASED', 'NOT_RESERVED']);
    expect(dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input).toEqual({
      TransactItems: [
        {
          Update: {
            TableName: TABLE,
            Key: { pk: 'RESERVATION#order-1' },
            UpdateExpression: 'SET #status = :released, releasedAt = :at',
            ConditionExpression: '#status = :reserved',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':released': 'RELEASED',
              ':reserved': 'RESERVED',
              ':at': AT.toISOString(),
            },
          },
        },
        ...lines.map((line) => ({
          Update: {
            TableName: TABLE,
            Key: { pk: `SKU#${line.sku}` },
            UpdateExpression: 'ADD available :quantity',
            ExpressionAttributeValues: { ':quantity': line.quantity },
          },
        })),
      ],
    });
  });

  it('writes the release tombstone only where no reservation exists', async () => {
    // Prepare
    dynamo
      .on(PutCommand)
      .resolvesOnce({})
      .rejectsOnce(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );

    // Act
    const outcomes = [
      await store.writeReleasedTombstone('order-1', AT),
      await store.writeReleasedTombstone('order-1', AT),
    ];

    // Assess
    expect(outcomes).toEqual(['WRITTEN', 'EXISTS']);
    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: {
        pk: 'RESERVATION#order-1',
        orderId: 'order-1',
        status: 'RELEASED',
        items: [],
        releasedAt: AT.toISOString(),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('reads the reservation consistently', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({
      Item: {
        pk: 'RESERVATION#order-1',
        orderId: 'order-1',
        status: 'RESERVED',
        items: lines,
        reservedAt: 'x',
      },
    });

    // Act
    const reservation = await store.getReservation('order-1');

    // Assess
    expect(reservation).toEqual({ orderId: 'order-1', status: 'RESERVED', items: lines });
    expect(dynamo.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'RESERVATION#order-1' },
      ConsistentRead: true,
    });
  });
});
