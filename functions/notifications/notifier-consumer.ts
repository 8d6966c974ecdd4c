import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { idempotentOn } from '#shared/adapters/idempotency';
import { parseDeliveredEvent } from '#shared/events/envelope';
import { makeSqsConsumer } from '#shared/handlers/sqs-consumer';
import { metrics } from '#shared/powertools/index';
import { NOTIFIED_EVENT_TYPES, type NotifiedEvent } from './domain/notification.ts';
import { makeNotifyCustomer } from './notify-customer.ts';
import type { NotificationPublisher } from './ports.ts';

export interface NotifierPorts {
  readonly publisher: NotificationPublisher;
}

/**
 * The notifier's SQS consumer: validates each EventBridge event and notifies the customer at most once
 * per eventId (Powertools idempotency), so an EventBridge or SQS redelivery publishes nothing new.
 */
export const makeNotifierConsumer = ({ publisher }: NotifierPorts) => {
  const notifyCustomer = idempotentOn(makeNotifyCustomer({ publisher }), {
    key: 'detail.metadata.eventId',
    keyPrefix: 'notifier',
  });
  return makeSqsConsumer<NotifiedEvent>({
    parse: (record) => parseDeliveredEvent(record.body, NOTIFIED_EVENT_TYPES) as NotifiedEvent,
    logKeys: (event) => ({
      eventId: event.detail.metadata.eventId,
      eventType: event.detailType,
      orderId: event.detail.data.orderId,
      correlationId: event.detail.metadata.correlationId,
    }),
    process: async (event, context) => {
      notifyCustomer.registerContext(context);
      const { channels } = await notifyCustomer(event);
      metrics.addMetric('NotificationsPublished', MetricUnit.Count, channels.length);
    },
  });
};
