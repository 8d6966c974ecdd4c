import { describe, expect, it } from 'vitest';
import { composeNotification, parseNotificationMessage } from '#functions/notifications/domain/notification';
import { MalformedEventError } from '#shared/domain/errors';
import { orderShipped } from './order-events.ts';

describe('notification message', () => {
  it('reads back exactly the notification the notifier published', () => {
    // Prepare
    const published = composeNotification(orderShipped(), 'email');

    // Act
    const received = parseNotificationMessage(JSON.stringify(published));

    // Assess
    expect(received).toEqual(published);
  });

  it('refuses an SNS envelope with an error saying raw message delivery is off', () => {
    // Prepare
    const envelope = {
      Type: 'Notification',
      MessageId: 'sns-1',
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:customer-notifications',
      Message: JSON.stringify(composeNotification(orderShipped(), 'email')),
    };

    // Act
    const parse = () => parseNotificationMessage(JSON.stringify(envelope));

    // Assess
    expect(parse).toThrow(MalformedEventError);
    expect(parse).toThrow(/raw message delivery/);
  });
});
