import { createEvent } from '#shared/events/envelope';
import type { CancellationReason } from '#shared/events/schemas';

const causation = (eventId: string) => ({
  eventId,
  correlationId: 'correlation-1',
  causationId: 'cause-1',
  occurredAt: new Date('2026-11-01T12:00:00.000Z'),
});

const lifecycle = { orderId: 'order-1', customerId: 'customer-1', total: 4_250, currency: 'USD' as const };

const shippingAddress = { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'US' };

export const orderPlaced = (eventId = 'event-placed') =>
  createEvent(
    'OrderPlaced',
    {
      ...lifecycle,
      sequence: 1,
      items: [{ sku: 'SKU-1', name: 'Widget', quantity: 2, unitPrice: 2_125 }],
      paymentToken: 'tok_visa',
      shippingAddress,
      createdAt: '2026-11-01T12:00:00.000Z',
    },
    causation(eventId),
  );

export const orderShipped = (eventId = 'event-shipped') =>
  createEvent(
    'OrderShipped',
    {
      orderId: lifecycle.orderId,
      customerId: lifecycle.customerId,
      shipmentId: 'shipment-1',
      shippingAddress,
    },
    causation(eventId),
  );

export const orderConfirmed = (eventId = 'event-confirmed') =>
  createEvent('OrderConfirmed', { ...lifecycle, sequence: 2, status: 'CONFIRMED' }, causation(eventId));

export const orderCancelled = (
  reason: CancellationReason = 'PAYMENT_DECLINED',
  eventId = 'event-cancelled',
) =>
  createEvent(
    'OrderCancelled',
    { ...lifecycle, sequence: 2, status: 'CANCELLED', reason },
    causation(eventId),
  );
