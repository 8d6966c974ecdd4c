import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { rethrowAwsError } from '#shared/adapters/aws-errors';
import type { Clock } from '#shared/ports/clock';
import type { CustomerNotification } from '../domain/notification.ts';
import type { NotificationProvider } from '../ports.ts';

export const notificationKey = (
  notification: Pick<CustomerNotification, 'orderId' | 'channel' | 'eventId'>,
) => ({
  pk: `NOTIFICATION#${notification.orderId}`,
  sk: `${notification.channel}#${notification.eventId}`,
});

/**
 * The default provider: records the notification in the ReadModel table, where an operator or a test
 * can read what each customer was told. The write is conditional, so the record is written once per
 * [eventId, channel] even if the idempotency record has expired.
 */
export class ReadModelNotificationRecorder implements NotificationProvider {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {}

  async send(notification: CustomerNotification): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...notificationKey(notification), ...notification, sentAt: this.clock.now().toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      // Already recorded: the customer was notified before, which is the outcome we want.
      // Matched by name: instanceof breaks when two copies of the SDK are loaded.
      if ((error as Error).name === 'ConditionalCheckFailedException') return;
      rethrowAwsError(
        error,
        `recording the ${notification.channel} notification of event ${notification.eventId}`,
      );
    }
  }
}
