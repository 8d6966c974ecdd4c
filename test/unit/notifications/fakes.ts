import type { CustomerNotification } from '#functions/notifications/domain/notification';
import type { NotificationProvider, NotificationPublisher } from '#functions/notifications/ports';

/** Keeps every published notification; can be told to fail the next publishes. */
export class RecordingNotificationPublisher implements NotificationPublisher {
  readonly published: CustomerNotification[] = [];
  private failures = 0;

  failNext(times = 1): void {
    this.failures = times;
  }

  async publish(notification: CustomerNotification): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('topic unavailable');
    }
    this.published.push(notification);
  }
}

/**
 * A provider that counts every send (what a real provider would deliver to the customer) and keeps
 * the records it wrote under the ReadModel key, once per key as attribute_not_exists(pk) allows.
 */
export class RecordingNotificationProvider implements NotificationProvider {
  readonly sent: CustomerNotification[] = [];
  readonly records = new Map<string, CustomerNotification>();

  async send(notification: CustomerNotification): Promise<void> {
    this.sent.push(notification);
    const key = `NOTIFICATION#${notification.orderId}|${notification.channel}#${notification.eventId}`;
    if (!this.records.has(key)) this.records.set(key, notification);
  }
}
