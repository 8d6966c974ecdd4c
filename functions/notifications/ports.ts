import type { CustomerNotification } from './domain/notification.ts';

/** Fans a notification out to the channel subscribers (SNS in production). Throws TransientDependencyError on throttling or 5xx. */
export interface NotificationPublisher {
  publish(notification: CustomerNotification): Promise<void>;
}

/**
 * Delivers a notification to the customer on its channel: SES, SNS SMS or a vendor in production,
 * the ReadModel recorder by default. Implementations must tolerate a repeat of the same
 * [eventId, channel] (the use case is idempotent, but an idempotency record can expire).
 */
export interface NotificationProvider {
  send(notification: CustomerNotification): Promise<void>;
}
