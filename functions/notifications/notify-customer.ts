import { CHANNELS, type Channel, composeNotification, type NotifiedEvent } from './domain/notification.ts';
import type { NotificationPublisher } from './ports.ts';

export interface NotifyCustomerPorts {
  readonly publisher: NotificationPublisher;
  /** @default - every channel (email and sms); the subscriptions' filter policies decide who hears what */
  readonly channels?: readonly Channel[];
}

export interface NotifyCustomerResult {
  readonly eventId: string;
  readonly channels: Channel[];
}

/**
 * Tells the customer about an order event: one message per channel. Not idempotent by itself;
 * the handler wraps it on the event's eventId. When one channel's publish fails, the retry publishes
 * every channel again; the senders deduplicate on [eventId, channel], so the customer still hears once.
 */
export const makeNotifyCustomer =
  ({ publisher, channels = CHANNELS }: NotifyCustomerPorts) =>
  async (event: NotifiedEvent): Promise<NotifyCustomerResult> => {
    for (const channel of channels) {
      await publisher.publish(composeNotification(event, channel));
    }
    return { eventId: event.detail.metadata.eventId, channels: [...channels] };
  };
