import { MalformedEventError } from '#shared/domain/errors';
import type { Channel, CustomerNotification } from './domain/notification.ts';
import type { NotificationProvider } from './ports.ts';

export interface SendNotificationPorts {
  /** The one channel this sender serves. */
  readonly channel: Channel;
  readonly provider: NotificationProvider;
}

export interface SendNotificationResult {
  readonly eventId: string;
  readonly channel: Channel;
}

/**
 * Delivers a notification on this sender's channel. A message for another channel means a filter
 * policy is wrong; it is refused so it lands in the DLQ instead of reaching the customer on the wrong channel.
 * Not idempotent by itself; the handler wraps it on [eventId, channel].
 */
export const makeSendNotification =
  ({ channel, provider }: SendNotificationPorts) =>
  async (notification: CustomerNotification): Promise<SendNotificationResult> => {
    if (notification.channel !== channel) {
      throw new MalformedEventError(
        `the ${channel} sender received a notification for channel ${notification.channel}; check the subscription filter policy`,
      );
    }
    await provider.send(notification);
    return { eventId: notification.eventId, channel };
  };
