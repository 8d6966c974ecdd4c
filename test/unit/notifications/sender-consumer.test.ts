import { beforeEach, describe, expect, it, vi } from 'vitest';
import { composeNotification } from '#functions/notifications/domain/notification';
import { makeSenderConsumer } from '#functions/notifications/sender-consumer';
import { sqsRecord } from '../../fixtures/eventbridge.ts';
import { lambdaContext } from '../../fixtures/lambda-context.ts';
import { RecordingNotificationProvider } from './fakes.ts';
import { idempotencyRecords } from './in-memory-idempotency.ts';
import { orderCancelled, orderConfirmed } from './order-events.ts';

// The real idempotentOn and makeIdempotent, over an in-memory persistence layer instead of DynamoDB.
vi.mock('@aws-lambda-powertools/idempotency/dynamodb', async () => ({
  DynamoDBPersistenceLayer: (await import('./in-memory-idempotency.ts')).InMemoryPersistenceLayer,
}));

/** The SQS records a raw-delivery subscription makes of these SNS messages: the body is the Message itself. */
const deliver = (consume: ReturnType<typeof makeSenderConsumer>, ...messages: unknown[]) => {
  const records = messages.map((message) => sqsRecord(message));
  return { records, response: consume({ Records: records }, lambdaContext()) };
};

describe('sender consumer', () => {
  beforeEach(() => {
    vi.stubEnv('IDEMPOTENCY_TABLE', 'Idempotency');
    idempotencyRecords.clear();
  });

  it('sends and records a notification once per [eventId, channel] when SNS delivers it twice', async () => {
    // Prepare
    const provider = new RecordingNotificationProvider();
    const consume = makeSenderConsumer({ channel: 'email', provider });
    const message = composeNotification(orderConfirmed(), 'email');
    await deliver(consume, message).response;

    // Act: an SNS redelivery reaches SQS as a new message with a new messageId
    const { response } = deliver(consume, message);

    // Assess
    expect((await response).batchItemFailures).toEqual([]);
    expect(provider.sent).toEqual([message]);
    expect(provider.records.size).toBe(1);
  });

  it('sends the same event once on each channel', async () => {
    // Prepare
    const provider = new RecordingNotificationProvider();
    const email = makeSenderConsumer({ channel: 'email', provider });
    const sms = makeSenderConsumer({ channel: 'sms', provider });
    const event = orderCancelled();

    // Act
    await deliver(email, composeNotification(event, 'email')).response;
    await deliver(sms, composeNotification(event, 'sms')).response;

    // Assess
    expect(provider.sent.map((notification) => notification.channel)).toEqual(['email', 'sms']);
  });

  it('fails a message for the wrong channel alone in its batch and sends nothing for it', async () => {
    // Prepare
    const provider = new RecordingNotificationProvider();
    const consume = makeSenderConsumer({ channel: 'sms', provider });
    const event = orderConfirmed();

    // Act
    const { records, response } = deliver(
      consume,
      composeNotification(event, 'email'),
      composeNotification(event, 'sms'),
    );

    // Assess
    expect((await response).batchItemFailures).toEqual([{ itemIdentifier: records[0]?.messageId }]);
    expect(provider.sent.map((notification) => notification.channel)).toEqual(['sms']);
  });

  it('fails a malformed message alone in its batch', async () => {
    // Prepare
    const provider = new RecordingNotificationProvider();
    const consume = makeSenderConsumer({ channel: 'email', provider });
    const valid = composeNotification(orderConfirmed(), 'email');
    const { text: _missing, ...withoutText } = composeNotification(orderCancelled(), 'email');

    // Act
    const { records, response } = deliver(consume, 'not json', withoutText, valid);

    // Assess
    expect((await response).batchItemFailures).toEqual([
      { itemIdentifier: records[0]?.messageId },
      { itemIdentifier: records[1]?.messageId },
    ]);
    expect(provider.sent).toEqual([valid]);
  });
});
