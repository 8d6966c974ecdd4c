import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as notifier } from '#functions/notifications/notifier-handler';
import { asEventBridgeEvent, sqsRecord } from '../../fixtures/eventbridge.ts';
import { lambdaContext } from '../../fixtures/lambda-context.ts';
import { idempotencyRecords } from './in-memory-idempotency.ts';
import { orderConfirmed } from './order-events.ts';

// One handler per file: the shared idempotency store is a per-process singleton, configured by the
// first idempotent function that runs (its key path sticks), exactly as in a Lambda execution environment.
vi.mock('@aws-lambda-powertools/idempotency/dynamodb', async () => ({
  DynamoDBPersistenceLayer: (await import('./in-memory-idempotency.ts')).InMemoryPersistenceLayer,
}));

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:customer-notifications';
const sns = mockClient(SNSClient);

describe('notifier handler, wired as deployed', () => {
  beforeEach(() => {
    vi.stubEnv('IDEMPOTENCY_TABLE', 'Idempotency');
    vi.stubEnv('CUSTOMER_NOTIFICATIONS_TOPIC_ARN', TOPIC_ARN);
    idempotencyRecords.clear();
    sns.reset();
  });

  it('publishes each channel of an event to the topic named by CUSTOMER_NOTIFICATIONS_TOPIC_ARN', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'sns-1' });
    const record = sqsRecord(asEventBridgeEvent(orderConfirmed()));

    // Act
    const response = await notifier({ Records: [record] }, lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const published = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(published.map((input) => [input.TopicArn, input.MessageAttributes?.channel?.StringValue])).toEqual(
      [
        [TOPIC_ARN, 'email'],
        [TOPIC_ARN, 'sms'],
      ],
    );
  });
});
