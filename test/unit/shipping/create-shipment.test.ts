import { describe, expect, it } from 'vitest';
import { makeCancelShipment } from '#functions/shipping/cancel-shipment';
import { type CreateShipmentCommand, makeCreateShipment } from '#functions/shipping/create-shipment';
import { shipmentIdFor } from '#functions/shipping/simulated-carrier';
import { TransientDependencyError } from '#shared/domain/errors';
import { deterministicEventId } from '#shared/events/envelope';
import type { ShippingAddress } from '#shared/events/schemas';
import { FixedClock } from '../../fixtures/clock.ts';
import { RecordingPublisher } from '../../fixtures/event-publisher.ts';
import { CountingCarrier, InMemoryShipmentStore } from './fakes.ts';

const causation = { correlationId: 'corr-1', causationId: 'evt-placed-1' };
const address = (country: string): ShippingAddress => ({
  line1: '1 Main St',
  city: 'Springfield',
  postalCode: '12345',
  country,
});
const command = (country = 'US'): CreateShipmentCommand => ({
  orderId: 'order-1',
  customerId: 'customer-1',
  shippingAddress: address(country),
  causation,
});

const setup = () => {
  const shipments = new InMemoryShipmentStore();
  const carrier = new CountingCarrier();
  const publisher = new RecordingPublisher();
  const clock = new FixedClock();
  return {
    shipments,
    carrier,
    publisher,
    create: makeCreateShipment({ shipments, carrier, publisher, clock }),
    cancel: makeCancelShipment({ shipments, carrier, publisher, clock }),
  };
};

describe('CreateShipment', () => {
  it('creates a shipment with a deterministic shipmentId and announces OrderShipped', async () => {
    // Prepare
    const { shipments, publisher, create } = setup();

    // Act
    const result = await create(command());

    // Assess
    const shipmentId = shipmentIdFor('order-1');
    expect(result).toEqual({ status: 'CREATED', shipmentId });
    expect(shipments.record('order-1')).toEqual({ orderId: 'order-1', status: 'CREATED', shipmentId });
    const [event] = publisher.ofType('OrderShipped');
    expect(event?.detail.metadata).toMatchObject({
      eventId: deterministicEventId('order-1', 'OrderShipped'),
      correlationId: 'corr-1',
      causationId: 'evt-placed-1',
    });
    expect(event?.detail.data).toEqual({
      orderId: 'order-1',
      customerId: 'customer-1',
      shipmentId,
      shippingAddress: address('US'),
    });
  });

  it('answers a repeat with the same shipment and books no second one', async () => {
    // Prepare
    const { carrier, create } = setup();
    const first = await create(command());

    // Act
    const repeat = await create(command());

    // Assess
    expect(repeat).toEqual(first);
    expect(carrier.bookings).toHaveLength(1);
  });

  it('refuses country XX as UNAVAILABLE, records the refusal and announces ShipmentFailed', async () => {
    // Prepare
    const { shipments, publisher, create } = setup();

    // Act
    const result = await create(command('XX'));

    // Assess
    expect(result).toEqual({ status: 'UNAVAILABLE' });
    expect(shipments.record('order-1')).toEqual({ orderId: 'order-1', status: 'REFUSED', country: 'XX' });
    const [event] = publisher.ofType('ShipmentFailed');
    expect(event?.detail.metadata.eventId).toBe(deterministicEventId('order-1', 'ShipmentFailed'));
    expect(event?.detail.data).toEqual({ orderId: 'order-1', reason: 'SHIPPING_UNAVAILABLE', country: 'XX' });
    expect(publisher.ofType('OrderShipped')).toEqual([]);
  });

  it('refuses to ship an order whose cancellation already ran (a late shipment)', async () => {
    // Prepare
    const { carrier, cancel, create } = setup();
    await cancel({ orderId: 'order-1', causation });

    // Act
    const late = await create(command());

    // Assess
    expect(late).toEqual({ status: 'UNAVAILABLE' });
    expect(carrier.bookings).toEqual([]);
  });

  it('throws TransientDependencyError when the event cannot be published, and the retry republishes without booking again', async () => {
    // Prepare
    const { carrier, publisher, create } = setup();
    publisher.failNext();

    // Act
    await expect(create(command())).rejects.toBeInstanceOf(TransientDependencyError);
    const retry = await create(command());

    // Assess
    expect(retry).toEqual({ status: 'CREATED', shipmentId: shipmentIdFor('order-1') });
    expect(carrier.bookings).toHaveLength(1);
    expect(publisher.published.map((event) => event.detail.metadata.eventId)).toEqual([
      deterministicEventId('order-1', 'OrderShipped'),
    ]);
  });
});
