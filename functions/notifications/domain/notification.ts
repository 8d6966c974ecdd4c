/**
 * The customer notification: what the notifier publishes to SNS (one message per channel) and what
 * each sender receives through its raw-delivery subscription. This schema is the contract between them.
 */
import * as z from 'zod/mini';
import { MalformedEventError } from '#shared/domain/errors';
import type { CancellationReason, DomainEvent } from '#shared/events/schemas';
import { CURRENCY, CustomerId, OrderId } from '#shared/events/schemas';

export const CHANNELS = ['email', 'sms'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

/** The events a customer hears about. */
export const NOTIFIED_EVENT_TYPES = [
  'OrderPlaced',
  'OrderShipped',
  'OrderConfirmed',
  'OrderCancelled',
] as const;
export type NotifiedEventType = (typeof NOTIFIED_EVENT_TYPES)[number];

/** One DomainEvent per type (distributed), so a switch on `detailType` narrows `data`. */
export type NotifiedEvent = { [T in NotifiedEventType]: DomainEvent<T> }[NotifiedEventType];

export const CustomerNotification = z.strictObject({
  /** The id of the domain event this notification tells the customer about. */
  eventId: z.string().check(z.minLength(1), z.maxLength(128)),
  eventType: z.enum(NOTIFIED_EVENT_TYPES),
  orderId: OrderId,
  customerId: CustomerId,
  channel: Channel,
  subject: z.string().check(z.minLength(1)),
  text: z.string().check(z.minLength(1)),
  correlationId: z.string().check(z.minLength(1), z.maxLength(128)),
});
export type CustomerNotification = z.infer<typeof CustomerNotification>;

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: CURRENCY });
const formatCents = (cents: number): string => money.format(cents / 100);

/** The reason, as a customer would say it: "cancelled because ...". */
const plainReasons: Record<CancellationReason, string> = {
  OUT_OF_STOCK: 'some of its items are out of stock',
  PAYMENT_DECLINED: 'your payment was declined',
  SHIPPING_UNAVAILABLE: 'we cannot ship to your address',
  INTERNAL_ERROR: 'of a problem on our side',
};

const describeReason = (reason: CancellationReason): string => plainReasons[reason];

const compose = (event: NotifiedEvent): { subject: string; text: string } => {
  switch (event.detailType) {
    case 'OrderPlaced': {
      const { orderId, total } = event.detail.data;
      return {
        subject: `We received your order ${orderId}`,
        text: `Thank you for your order ${orderId} of ${formatCents(total)}. We will tell you as soon as it is confirmed.`,
      };
    }
    case 'OrderShipped': {
      const { orderId, shippingAddress } = event.detail.data;
      return {
        subject: `Your order ${orderId} has shipped`,
        text: `Your order ${orderId} is on its way to ${shippingAddress.city}, ${shippingAddress.country}.`,
      };
    }
    case 'OrderConfirmed': {
      const { orderId, total } = event.detail.data;
      return {
        subject: `Your order ${orderId} is confirmed`,
        text: `Good news: your order ${orderId} of ${formatCents(total)} is confirmed.`,
      };
    }
    case 'OrderCancelled': {
      const { orderId, reason } = event.detail.data;
      return {
        subject: `Your order ${orderId} was cancelled`,
        text: `We are sorry: your order ${orderId} was cancelled because ${describeReason(reason)}. You have not been charged.`,
      };
    }
  }
};

/** The notification of `event` for one channel. Pure: the same event always gives the same message. */
export const composeNotification = (event: NotifiedEvent, channel: Channel): CustomerNotification => {
  const { metadata, data } = event.detail;
  return {
    eventId: metadata.eventId,
    eventType: event.detailType,
    orderId: data.orderId,
    customerId: data.customerId,
    channel,
    ...compose(event),
    correlationId: metadata.correlationId,
  };
};

const parseJson = (body: string): unknown => {
  try {
    return JSON.parse(body);
  } catch {
    throw new MalformedEventError('notification message is not JSON');
  }
};

/**
 * Validates a notification delivered by a raw-delivery SNS subscription (the SQS body is the SNS Message).
 * Throws MalformedEventError, so the record fails alone and is eventually dead-lettered.
 */
export const parseNotificationMessage = (body: string): CustomerNotification => {
  const raw = parseJson(body);
  const parsed = CustomerNotification.safeParse(raw);
  if (parsed.success) return parsed.data;
  // Without raw message delivery the body is the SNS envelope; say so rather than list missing fields.
  if ((raw as { Type?: unknown } | null)?.Type === 'Notification') {
    throw new MalformedEventError('received an SNS envelope: the subscription must use raw message delivery');
  }
  const issues = parsed.error.issues
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  throw new MalformedEventError(`notification message is invalid: ${issues}`);
};
