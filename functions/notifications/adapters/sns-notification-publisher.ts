import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { rethrowAwsError } from '#shared/adapters/aws-errors';
import type { CustomerNotification } from '../domain/notification.ts';
import type { NotificationPublisher } from '../ports.ts';

/**
 * Publishes to the customer-notifications topic. The subscriptions' filter policies select on the
 * eventType and channel message attributes, and the raw-delivered body is the notification JSON.
 */
export class SnsNotificationPublisher implements NotificationPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(notification: CustomerNotification): Promise<void> {
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Message: JSON.stringify(notification),
          MessageAttributes: {
            eventType: { DataType: 'String', StringValue: notification.eventType },
            channel: { DataType: 'String', StringValue: notification.channel },
            correlationId: { DataType: 'String', StringValue: notification.correlationId },
          },
        }),
      );
    } catch (error) {
      rethrowAwsError(
        error,
        `publishing the ${notification.channel} notification of event ${notification.eventId}`,
      );
    }
  }
}
