import { publishStepEvent, stepEvent } from '#functions/saga/step-event';
import { type StepLog, silentLog } from '#functions/saga/step-log';
import { TransientDependencyError } from '#shared/domain/errors';
import type { Causation } from '#shared/events/envelope';
import type { Clock } from '#shared/ports/clock';
import type { EventPublisher } from '#shared/ports/event-publisher';
import type { ShipmentStore } from './shipment-store.ts';
import type { ShippingCarrier } from './shipping-carrier.ts';

export interface CancelShipmentCommand {
  readonly orderId: string;
  readonly causation: Causation;
}

/** Written at `$.compensation.cancelShipment`. */
export type CancelShipmentResult = {
  readonly status: 'CANCELLED' | 'NOTHING_TO_CANCEL' | 'ALREADY_CANCELLED';
};

export interface CancelShipmentDeps {
  readonly shipments: ShipmentStore;
  readonly carrier: ShippingCarrier;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  readonly log?: StepLog;
}

/** A write can lose a race at most once per competing writer (one create, one cancel); more is a fault. */
const MAX_ROUNDS = 3;

/**
 * CancelShipment (compensation of CreateShipment): cancel a created shipment exactly once. With no shipment it
 * writes a CANCELLED tombstone, so a late or retried CreateShipment cannot ship. A repeat after a cancellation
 * republishes ShipmentCancelled with the same eventId, so a publish that failed after the cancel is not lost.
 */
export const makeCancelShipment = ({
  shipments,
  carrier,
  publisher,
  clock,
  log = silentLog,
}: CancelShipmentDeps) => {
  const announce = async (command: CancelShipmentCommand, shipmentId: string) => {
    const event = stepEvent(
      'ShipmentCancelled',
      command.orderId,
      { orderId: command.orderId, shipmentId },
      command.causation,
      clock,
    );
    await publishStepEvent(publisher, event);
  };

  return async (command: CancelShipmentCommand): Promise<CancelShipmentResult> => {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const record = await shipments.get(command.orderId);
      if (!record) {
        if (await shipments.create({ orderId: command.orderId, status: 'CANCELLED' }, clock.now())) {
          log.info('nothing was shipped; wrote a CANCELLED tombstone so no late shipment can be created');
          return { status: 'NOTHING_TO_CANCEL' };
        }
        continue; // a shipment was recorded between the read and the write: cancel it
      }
      switch (record.status) {
        case 'REFUSED':
          return { status: 'NOTHING_TO_CANCEL' };
        case 'CANCELLED':
          if (!record.shipmentId) return { status: 'NOTHING_TO_CANCEL' };
          log.info('the shipment was already cancelled; republishing ShipmentCancelled');
          await announce(command, record.shipmentId);
          return { status: 'ALREADY_CANCELLED' };
        case 'CREATED':
          await carrier.cancel({ idempotencyKey: command.orderId, shipmentId: record.shipmentId });
          if (await shipments.markCancelled(command.orderId, clock.now())) {
            await announce(command, record.shipmentId);
            return { status: 'CANCELLED' };
          }
          continue; // cancelled concurrently: the next read says so
      }
    }
    throw new TransientDependencyError(
      `the shipment of ${command.orderId} kept changing during its cancellation`,
    );
  };
};

export type CancelShipment = ReturnType<typeof makeCancelShipment>;
