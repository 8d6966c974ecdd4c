import { beforeEach, describe, expect, it, vi } from 'vitest';
import { makeNotifierConsumer } from '#functions/notifications/notifier-consumer';
import { asEventBridgeEvent, sqsRecord } from '../../fixtures/eventbridge.ts';
import { lambdaContext } from '../../fixtures/lambda-context.ts';
import { RecordingNotificationPublisher } from './fakes.ts';
import { idempotencyRecords } from './in-memory-idempotency.ts';
import { orderCancelled, orderConfirmed, orderPlaced } from './order-events.ts';

// The real idempotentOn and makeIdempotent, over an in-memory persistence layer instead of DynamoDB.
vi.mock('@aws-lambda-powertools/idempotency/dynamodb', async () => ({
  DynamoDBPersistenceLayer: (await import('./in-memory-idempotency.ts')).InMemoryPersistenceLayer,
}));

const deliver = (consume: ReturnType<typeof makeNotifierConsumer>, ...bodies: unknown[]) => {
  const records = bodies.map((body) => sqsRecord(body));
  return { records, response: consume({ Records: records }, lambdaContext()) };
};

describe('notifier consumer', () => {
  beforeEach(() => {
    vi.stubEnv('IDEMPOTENCY_TABLE', 'Idempotency');
    idempotencyRecords.clear();
  });

  it('publishes nothing when the same event is delivered again with a new messageId', async () => {
    // Prepare
    const publisher = new RecordingNotificationPublisher();
    const consume = makeNotifierConsumer({ publisher });
    const event = asEventBridgeEvent(orderConfirmed());
    await deliver(consume, event).response;

    // Act
    const { response } = deliver(consume, event);

    // Assess
    expect((await response).batchItemFailures).toEqual([]);
    expect(publisher.published.map((notification) => notification.channel)).toEqual(['email', 'sms']);
  });

  it('still notifies another event of the same order, because the key is the eventId', async () => {
    // Prepare
    const publisher = new RecordingNotificationPublisher();
    const consume = makeNotifierConsumer({ publisher });

    // Act
    await deliver(consume, asEventBridgeEvent(orderPlaced()), asEventBridgeEvent(orderConfirmed())).response;

    // Assess (the batch processor runs records concurrently, so order is not guaranteed)
    expect(publisher.published.map((notification) => notification.eventType).sort()).toEqual([
      'OrderConfirmed',
      'OrderConfirmed',
      'OrderPlaced',
      'OrderPlaced',
    ]);
  });

  it('publishes on redelivery after a failed attempt, because a failure leaves no idempotency record', async () => {
    // Prepare
    const publisher = new RecordingNotificationPublisher();
    const consume = makeNotifierConsumer({ publisher });
    const event = asEventBridgeEvent(orderCancelled());
    publisher.failNext();
    const first = deliver(consume, event);
    expect((await first.response).batchItemFailures).toEqual([
      { itemIdentifier: first.records[0]?.messageId },
    ]);

    // Act
    const { response } = deliver(consume, event);

    // Assess
    expect((await response).batchItemFailures).toEqual([]);
    expect(publisher.published.map((notification) => notification.channel)).toEqual(['email', 'sms']);
  });

  it('fails a malformed event and an event it does not handle alone in their batch', async () => {
    // Prepare
    const publisher = new RecordingNotificationPublisher();
    const consume = makeNotifierConsumer({ publisher });
    const unknown = { ...asEventBridgeEvent(orderPlaced('event-other')), 'detail-type': 'InventoryReserved' };

    // Act
    const { records, response } = deliver(
      consume,
      asEventBridgeEvent(orderPlaced()),
      '{"not": "an event"',
      unknown,
      asEventBridgeEvent(orderConfirmed()),
    );

    // Assess
    expect((await response).batchItemFailures).toEqual([
      { itemIdentifier: records[1]?.messageId },
      { itemIdentifier: records[2]?.messageId },
    ]);
    expect(publisher.published).toHaveLength(4);
  });
});
