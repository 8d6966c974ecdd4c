import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ReadModelNotificationRecorder } from '#functions/notifications/adapters/read-model-notification-recorder';
import { SnsNotificationPublisher } from '#functions/notifications/adapters/sns-notification-publisher';
import { composeNotification } from '#functions/notifications/domain/notification';
import { TransientDependencyError } from '#shared/domain/errors';
import { FixedClock } from '../../fixtures/clock.ts';
import { orderCancelled } from './order-events.ts';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:customer-notifications';
const sns = mockClient(SNSClient);
const dynamo = mockClient(DynamoDBDocumentClient);

const recorder = () =>
  new ReadModelNotificationRecorder(
    DynamoDBDocumentClient.from(new DynamoDBClient({})),
    'ReadModel',
    new FixedClock(),
  );

describe('SNS notification publisher', () => {
  beforeEach(() => sns.reset());

  it('publishes the notification JSON with the eventType, channel and correlationId attributes the filter policies select on', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'sns-1' });
    const notification = composeNotification(orderCancelled(), 'sms');
    const publisher = new SnsNotificationPublisher(new SNSClient({}), TOPIC_ARN);

    // Act
    await publisher.publish(notification);

    // Assess
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      TopicArn: TOPIC_ARN,
      Message: JSON.stringify(notification),
      MessageAttributes: {
        eventType: { DataType: 'String', StringValue: 'OrderCancelled' },
        channel: { DataType: 'String', StringValue: 'sms' },
        correlationId: { DataType: 'String', StringValue: 'correlation-1' },
      },
    });
    expect(JSON.parse(calls[0]?.args[0].input.Message ?? '')).toEqual({
      eventId: 'event-cancelled',
      eventType: 'OrderCancelled',
      orderId: 'order-1',
      customerId: 'customer-1',
      channel: 'sms',
      subject: notification.subject,
      text: notification.text,
      correlationId: 'correlation-1',
    });
  });

  it('reports SNS throttling as a TransientDependencyError so the record is retried', async () => {
    // Prepare
    sns.on(PublishCommand).rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: {} }));
    const publisher = new SnsNotificationPublisher(new SNSClient({}), TOPIC_ARN);

    // Act
    const publish = publisher.publish(composeNotification(orderCancelled(), 'email'));

    // Assess
    await expect(publish).rejects.toBeInstanceOf(TransientDependencyError);
  });
});

describe('ReadModel notification recorder', () => {
  beforeEach(() => dynamo.reset());

  it('records the notification under NOTIFICATION#<orderId> / <channel>#<eventId>, only if it is not there yet', async () => {
    // Prepare
    dynamo.on(PutCommand).resolves({});
    const notification = composeNotification(orderCancelled(), 'email');

    // Act
    await recorder().send(notification);

    // Assess
    const calls = dynamo.commandCalls(PutCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      TableName: 'ReadModel',
      Item: {
        pk: 'NOTIFICATION#order-1',
        sk: 'email#event-cancelled',
        ...notification,
        sentAt: '2026-11-01T12:00:00.000Z',
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('treats a notification that is already recorded as sent', async () => {
    // Prepare
    dynamo
      .on(PutCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );

    // Act
    const send = recorder().send(composeNotification(orderCancelled(), 'email'));

    // Assess
    await expect(send).resolves.toBeUndefined();
  });

  it('reports DynamoDB throttling as a TransientDependencyError', async () => {
    // Prepare
    dynamo
      .on(PutCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'Throughput exceeded', $metadata: {} }));

    // Act
    const send = recorder().send(composeNotification(orderCancelled(), 'email'));

    // Assess
    await expect(send).rejects.toBeInstanceOf(TransientDependencyError);
  });
});
