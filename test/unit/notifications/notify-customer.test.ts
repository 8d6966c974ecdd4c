import { describe, expect, it } from 'vitest';
import type { NotifiedEvent } from '#functions/notifications/domain/notification';
import { makeNotifyCustomer } from '#functions/notifications/notify-customer';
import type { CancellationReason } from '#shared/events/schemas';
import { RecordingNotificationPublisher } from './fakes.ts';
import { orderCancelled, orderConfirmed, orderPlaced, orderShipped } from './order-events.ts';

describe('notify customer', () => {
  it.each<[string, () => NotifiedEvent, RegExp]>([
    ['OrderPlaced', orderPlaced, /received your order order-1.*\$42\.50/s],
    ['OrderShipped', orderShipped, /order-1 has shipped.*on its way to Springfield, US/s],
    ['OrderConfirmed', orderConfirmed, /order-1 is confirmed.*\$42\.50 is confirmed/s],
    ['OrderCancelled', () => orderCancelled('OUT_OF_STOCK'), /order-1 was cancelled.*cancelled because/s],
  ])(
    'publishes one email and one sms notification of %s, each telling what happened',
    async (eventType, build, says) => {
      // Prepare
      const publisher = new RecordingNotificationPublisher();
      const notifyCustomer = makeNotifyCustomer({ publisher });
      const event = build();

      // Act
      await notifyCustomer(event);

      // Assess
      expect(publisher.published.map((notification) => notification.channel)).toEqual(['email', 'sms']);
      for (const notification of publisher.published) {
        expect(notification).toMatchObject({
          eventId: event.detail.metadata.eventId,
          eventType,
          orderId: 'order-1',
          customerId: 'customer-1',
          correlationId: 'correlation-1',
        });
        expect(`${notification.subject}\n${notification.text}`).toMatch(says);
      }
    },
  );

  it.each<[CancellationReason, string]>([
    ['OUT_OF_STOCK', 'because some of its items are out of stock'],
    ['PAYMENT_DECLINED', 'because your payment was declined'],
    ['SHIPPING_UNAVAILABLE', 'because we cannot ship to your address'],
    ['INTERNAL_ERROR', 'because of a problem on our side'],
  ])('names the cancellation reason %s in plain words', async (reason, plainWords) => {
    // Prepare
    const publisher = new RecordingNotificationPublisher();
    const notifyCustomer = makeNotifyCustomer({ publisher });

    // Act
    await notifyCustomer(orderCancelled(reason));

    // Assess
    for (const notification of publisher.published) {
      expect(notification.text).toContain(plainWords);
      expect(notification.text).not.toContain(reason);
    }
  });
});
