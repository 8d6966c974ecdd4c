import { describe, expect, it } from 'vitest';
import { makeCancelShipment } from '#functions/shipping/cancel-shipment';
import { makeCreateShipment } from '#functions/shipping/create-shipment';
import { shipmentIdFor } from '#functions/shipping/simulated-carrier';
import { deterministicEventId } from '#shared/events/envelope';
import { FixedClock } from '../../fixtures/clock.ts';
import { RecordingPublisher } from '../../fixtures/event-publisher.ts';
import { CountingCarrier, InMemoryShipmentStore } from './fakes.ts';

const causation = { correlationId: 'corr-1', causationId: 'evt-placed-1' };

const setup = () => {
  const shipments = new InMemoryShipmentStore();
  const carrier = new CountingCarrier();
  const publisher = new RecordingPublisher();
  const clock = new FixedClock();
  const create = makeCreateShipment({ shipments, carrier, publisher, clock });
  return {
    shipments,
    carrier,
    publisher,
    createTo: (country: string) =>
      create({
        orderId: 'order-1',
        customerId: 'customer-1',
        shippingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country },
        causation,
      }),
    cancel: makeCancelShipment({ shipments, carrier, publisher, clock }),
  };
};

describe('CancelShipment', () => {
  it('cancels a created shipment once, however often the compensation runs, and announces ShipmentCancelled', async () => {
    // Prepare
    const { carrier, shipments, publisher, createTo, cancel } = setup();
    await createTo('US');

    // Act
    const first = await cancel({ orderId: 'order-1', causation });
    const repeat = await cancel({ orderId: 'order-1', causation });

    // Assess
    expect([first, repeat]).toEqual([{ status: 'CANCELLED' }, { status: 'ALREADY_CANCELLED' }]);
    expect(carrier.cancellations).toHaveLength(1);
    expect(shipments.record('order-1')).toEqual({
      orderId: 'order-1',
      status: 'CANCELLED',
      shipmentId: shipmentIdFor('order-1'),
    });
    const ids = publisher.ofType('ShipmentCancelled').map((event) => event.detail.metadata);
    expect(new Set(ids.map((metadata) => metadata.eventId))).toEqual(
      new Set([deterministicEventId('order-1', 'ShipmentCancelled')]),
    );
    expect(ids[0]?.correlationId).toBe('corr-1');
  });

  it('writes a CANCELLED tombstone when nothing was shipped, and stays a no-op on repeat', async () => {
    // Prepare
    const { carrier, shipments, publisher, cancel } = setup();

    // Act
    const first = await cancel({ orderId: 'order-1', causation });
    const repeat = await cancel({ orderId: 'order-1', causation });

    // Assess
    expect([first, repeat]).toEqual([{ status: 'NOTHING_TO_CANCEL' }, { status: 'NOTHING_TO_CANCEL' }]);
    expect(shipments.record('order-1')).toEqual({ orderId: 'order-1', status: 'CANCELLED' });
    expect(carrier.cancellations).toEqual([]);
    expect(publisher.published).toEqual([]);
  });

  it('has nothing to cancel for a refused shipment', async () => {
    // Prepare
    const { carrier, createTo, cancel } = setup();
    await createTo('XX');

    // Act
    const result = await cancel({ orderId: 'order-1', causation });

    // Assess
    expect(result).toEqual({ status: 'NOTHING_TO_CANCEL' });
    expect(carrier.cancellations).toEqual([]);
  });
});
