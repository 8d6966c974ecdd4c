import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { idempotentOn } from '#shared/adapters/idempotency';
import { makeSqsConsumer } from '#shared/handlers/sqs-consumer';
import { metrics } from '#shared/powertools/index';
import { type Channel, type CustomerNotification, parseNotificationMessage } from './domain/notification.ts';
import type { NotificationProvider } from './ports.ts';
import { makeSendNotification } from './send-notification.ts';

export interface SenderPorts {
  readonly channel: Channel;
  readonly provider: NotificationProvider;
}

/**
 * A sender's SQS consumer (email or sms). The body is the raw SNS message. The send is idempotent on
 * [eventId, channel], never on the SQS messageId: an SNS redelivery arrives with a new one.
 */
export const makeSenderConsumer = ({ channel, provider }: SenderPorts) => {
  const sendNotification = idempotentOn(makeSendNotification({ channel, provider }), {
    key: '[eventId, channel]',
    keyPrefix: `${channel}-sender`,
  });
  return makeSqsConsumer<CustomerNotification>({
    parse: (record) => parseNotificationMessage(record.body),
    logKeys: (notification) => ({
      eventId: notification.eventId,
      eventType: notification.eventType,
      orderId: notification.orderId,
      channel: notification.channel,
      correlationId: notification.correlationId,
    }),
    process: async (notification, context) => {
      sendNotification.registerContext(context);
      await sendNotification(notification);
      metrics.addMetric('NotificationsSent', MetricUnit.Count, 1);
    },
  });
};
