import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoOrderRepository } from '#functions/orders/adapters/dynamo-order-repository';
import { TransientDependencyError } from '#shared/domain/errors';
import { createEvent } from '#shared/events/envelope';
import { pendingOrder } from './builders.ts';

const documents = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const repository = new DynamoOrderRepository(client, { orders: 'Orders', idempotency: 'Idempotency' });

const now = new Date('2026-11-01T12:00:00.000Z');
const nowSeconds = 1_793_534_400;
const order = pendingOrder();
const placed = createEvent(
  'OrderPlaced',
  {
    orderId: order.orderId,
    customerId: order.customerId,
    sequence: 1,
    total: order.total,
    currency: 'USD',
    items: [...order.items],
    paymentToken: 'tok_visa',
    shippingAddress: order.shippingAddress,
    createdAt: order.createdAt,
  },
  { eventId: 'event-1', occurredAt: now, correlationId: 'corr-1', causationId: 'request-1' },
);
const claim = {
  id: 'orders-api#anonymous#key-1',
  requestHash: 'hash-1',
  expiresAt: new Date(now.getTime() + 86_400_000),
};

const canceled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

describe('DynamoOrderRepository', () => {
  beforeEach(() => {
    documents.reset();
  });

  it('writes the order, its outbox item and the idempotency claim in one conditional transaction', async () => {
    // Prepare
    documents.on(TransactWriteCommand).resolves({});

    // Act
    const result = await repository.add({ order, event: placed, idempotency: claim, now });

    // Assess
    expect(result).toEqual({ kind: 'Added' });
    const calls = documents.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      TransactItems: [
        {
          Put: {
            TableName: 'Orders',
            Item: { pk: 'ORDER#order-1', ...order },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: 'Orders',
            Item: {
              pk: 'OUTBOX#event-1',
              eventId: 'event-1',
              source: 'orderflow.orders',
              detailType: 'OrderPlaced',
              detail: JSON.stringify(placed.detail),
              expiresAt: nowSeconds + 7 * 86_400,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: 'Idempotency',
            Item: {
              id: 'orders-api#anonymous#key-1',
              requestHash: 'hash-1',
              orderId: 'order-1',
              expiration: nowSeconds + 86_400,
            },
            ConditionExpression: 'attribute_not_exists(#id) OR #expiration < :now',
            ExpressionAttributeNames: { '#id': 'id', '#expiration': 'expiration' },
            ExpressionAttributeValues: { ':now': nowSeconds },
          },
        },
      ],
    });
  });

  it('writes only the order and its outbox item when there is no Idempotency-Key', async () => {
    // Prepare
    documents.on(TransactWriteCommand).resolves({});

    // Act
    await repository.add({ order, event: placed, now });

    // Assess
    const items = documents.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.map((item) => item.Put?.Item?.pk)).toEqual(['ORDER#order-1', 'OUTBOX#event-1']);
  });

  it('reads the existing claim when the transaction is cancelled by the idempotency condition', async () => {
    // Prepare
    documents.on(TransactWriteCommand).rejects(canceled('None', 'None', 'ConditionalCheckFailed'));
    documents.on(GetCommand).resolves({
      Item: { id: claim.id, requestHash: 'hash-0', orderId: 'order-0', expiration: nowSeconds + 3600 },
    });

    // Act
    const result = await repository.add({ order, event: placed, idempotency: claim, now });

    // Assess
    expect(result).toEqual({ kind: 'KeyInUse', existing: { requestHash: 'hash-0', orderId: 'order-0' } });
    expect(documents.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: 'Idempotency',
      Key: { id: 'orders-api#anonymous#key-1' },
      ConsistentRead: true,
    });
  });

  it('reports a transaction conflict as contended, so the caller tries again', async () => {
    // Prepare
    documents.on(TransactWriteCommand).rejects(canceled('None', 'None', 'TransactionConflict'));

    // Act
    const result = await repository.add({ order, event: placed, idempotency: claim, now });

    // Assess
    expect(result).toEqual({ kind: 'Contended' });
  });

  it('turns throttling into TransientDependencyError', async () => {
    // Prepare
    documents
      .on(TransactWriteCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));

    // Act
    const attempt = repository.add({ order, event: placed, now });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(TransientDependencyError);
  });

  it('settles an order only if it is still PENDING at the version read, with its outbox item', async () => {
    // Prepare
    documents.on(TransactWriteCommand).resolves({});
    const cancelled = createEvent(
      'OrderCancelled',
      {
        orderId: 'order-1',
        customerId: 'customer-42',
        sequence: 2,
        total: 8999,
        currency: 'USD',
        status: 'CANCELLED',
        reason: 'OUT_OF_STOCK',
      },
      { eventId: 'event-2', occurredAt: now, correlationId: 'corr-1', causationId: 'placed-1' },
    );

    // Act
    const result = await repository.change({
      orderId: 'order-1',
      expectedVersion: 1,
      status: 'CANCELLED',
      reason: 'OUT_OF_STOCK',
      updatedAt: now.toISOString(),
      event: cancelled,
    });

    // Assess
    expect(result).toEqual({ kind: 'Changed' });
    const [update, outbox] =
      documents.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(update?.Update).toEqual({
      TableName: 'Orders',
      Key: { pk: 'ORDER#order-1' },
      UpdateExpression: 'SET #status = :status, #reason = :reason, #updatedAt = :updatedAt, #version = :next',
      ConditionExpression: '#status = :pending AND #version = :read',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#updatedAt': 'updatedAt',
        '#version': 'version',
        '#reason': 'reason',
      },
      ExpressionAttributeValues: {
        ':status': 'CANCELLED',
        ':reason': 'OUT_OF_STOCK',
        ':updatedAt': '2026-11-01T12:00:00.000Z',
        ':next': 2,
        ':pending': 'PENDING',
        ':read': 1,
      },
    });
    expect(outbox?.Put).toMatchObject({
      TableName: 'Orders',
      Item: { pk: 'OUTBOX#event-2', detailType: 'OrderCancelled' },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('reports a failed settle condition as stale, and a transaction conflict as TransientDependencyError', async () => {
    // Prepare
    const confirmed = createEvent(
      'OrderConfirmed',
      {
        orderId: 'order-1',
        customerId: 'customer-42',
        sequence: 2,
        total: 8999,
        currency: 'USD',
        status: 'CONFIRMED',
      },
      { eventId: 'event-2', occurredAt: now, correlationId: 'corr-1', causationId: 'placed-1' },
    );
    const change = {
      orderId: 'order-1',
      expectedVersion: 1,
      status: 'CONFIRMED' as const,
      updatedAt: now.toISOString(),
      event: confirmed,
    };
    documents
      .on(TransactWriteCommand)
      .rejectsOnce(canceled('ConditionalCheckFailed', 'None'))
      .rejectsOnce(canceled('TransactionConflict', 'None'));

    // Act
    const stale = await repository.change(change);
    const conflicted = repository.change(change);

    // Assess
    expect(stale).toEqual({ kind: 'Stale' });
    await expect(conflicted).rejects.toMatchObject({ name: 'TransientDependencyError' });
  });
});
