import { publishStepEvent, stepEvent } from '#functions/saga/step-event';
import { type StepLog, silentLog } from '#functions/saga/step-log';
import { TransientDependencyError } from '#shared/domain/errors';
import type { Causation } from '#shared/events/envelope';
import type { ShippingAddress } from '#shared/events/schemas';
import type { Clock } from '#shared/ports/clock';
import type { EventPublisher } from '#shared/ports/event-publisher';
import type { ShipmentRecord } from './shipment.ts';
import type { ShipmentStore } from './shipment-store.ts';
import type { ShippingCarrier } from './shipping-carrier.ts';

export interface CreateShipmentCommand {
  readonly orderId: string;
  readonly customerId: string;
  readonly shippingAddress: ShippingAddress;
  readonly causation: Causation;
}

/** Written at `$.shipment`. */
export type CreateShipmentResult =
  | { readonly status: 'CREATED'; readonly shipmentId: string }
  | { readonly status: 'UNAVAILABLE' };

export interface CreateShipmentDeps {
  readonly shipments: ShipmentStore;
  readonly carrier: ShippingCarrier;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  readonly log?: StepLog;
}

/**
 * CreateShipment: book one shipment per order. A recorded shipment (or refusal) answers every repeat; a
 * cancellation tombstone (the compensation ran first) makes the step refuse, so no late shipment is created.
 */
export const makeCreateShipment = ({
  shipments,
  carrier,
  publisher,
  clock,
  log = silentLog,
}: CreateShipmentDeps) => {
  const unavailable = async (command: CreateShipmentCommand, country: string) => {
    const event = stepEvent(
      'ShipmentFailed',
      command.orderId,
      { orderId: command.orderId, reason: 'SHIPPING_UNAVAILABLE', country },
      command.causation,
      clock,
    );
    await publishStepEvent(publisher, event);
    return { status: 'UNAVAILABLE' } as const;
  };

  const answer = async (
    command: CreateShipmentCommand,
    record: ShipmentRecord,
  ): Promise<CreateShipmentResult> => {
    switch (record.status) {
      case 'CREATED': {
        const { line1, city, postalCode, country } = command.shippingAddress;
        const event = stepEvent(
          'OrderShipped',
          command.orderId,
          {
            orderId: command.orderId,
            customerId: command.customerId,
            shipmentId: record.shipmentId,
            shippingAddress: { line1, city, postalCode, country },
          },
          command.causation,
          clock,
        );
        await publishStepEvent(publisher, event);
        return { status: 'CREATED', shipmentId: record.shipmentId };
      }
      case 'REFUSED':
        return unavailable(command, record.country);
      case 'CANCELLED':
        if (record.shipmentId) {
          // Created, then cancelled by a compensation: both events are out already.
          log.warn('the shipment was already cancelled; not creating another');
          return { status: 'UNAVAILABLE' };
        }
        log.warn('a cancellation ran before this shipment (tombstone); not creating one');
        return unavailable(command, command.shippingAddress.country);
    }
  };

  return async (command: CreateShipmentCommand): Promise<CreateShipmentResult> => {
    const existing = await shipments.get(command.orderId);
    if (existing) {
      log.info('the shipment is already recorded; not booking again', { status: existing.status });
      return answer(command, existing);
    }

    const booking = await carrier.book({ idempotencyKey: command.orderId, address: command.shippingAddress });
    const record: ShipmentRecord =
      booking.outcome === 'BOOKED'
        ? { orderId: command.orderId, status: 'CREATED', shipmentId: booking.shipmentId }
        : { orderId: command.orderId, status: 'REFUSED', country: command.shippingAddress.country };
    if (await shipments.create(record, clock.now())) return answer(command, record);

    // Another writer recorded first: a concurrent duplicate of this step, or a cancellation tombstone.
    const winner = await shipments.get(command.orderId);
    if (!winner)
      throw new TransientDependencyError(`shipment of ${command.orderId} exists but cannot be read`);
    if (winner.status === 'CANCELLED' && booking.outcome === 'BOOKED') {
      log.warn('booked after the shipment was cancelled; cancelling the booking');
      await carrier.cancel({ idempotencyKey: command.orderId, shipmentId: booking.shipmentId });
    }
    return answer(command, winner);
  };
};

export type CreateShipment = ReturnType<typeof makeCreateShipment>;
