import type { Context, SQSEvent } from 'aws-lambda';
import { requireEnv, snsClient } from '#shared/adapters/aws-clients';
import { instrument } from '#shared/handlers/instrument';
import { SnsNotificationPublisher } from './adapters/sns-notification-publisher.ts';
import { makeNotifierConsumer } from './notifier-consumer.ts';

let consume: ReturnType<typeof makeNotifierConsumer> | undefined;

/** Notifier: order events from the notifications queue -> one SNS message per channel. */
export const handler = instrument((event: SQSEvent, context: Context) => {
  consume ??= makeNotifierConsumer({
    publisher: new SnsNotificationPublisher(snsClient(), requireEnv('CUSTOMER_NOTIFICATIONS_TOPIC_ARN')),
  });
  return consume(event, context);
});
