import { publishStepEvent, stepEvent } from '#functions/saga/step-event';
import { type StepLog, silentLog } from '#functions/saga/step-log';
import { TransientDependencyError } from '#shared/domain/errors';
import type { Causation } from '#shared/events/envelope';
import type { Clock } from '#shared/ports/clock';
import type { EventPublisher } from '#shared/ports/event-publisher';
import type { InventoryStore } from './inventory-store.ts';
import { type Reservation, returnedStock } from './reservation.ts';

export interface ReleaseInventoryCommand {
  readonly orderId: string;
  readonly causation: Causation;
}

/** Written at `$.compensation.releaseInventory`. */
export type ReleaseInventoryResult = {
  readonly status: 'RELEASED' | 'NOTHING_TO_RELEASE' | 'ALREADY_RELEASED';
};

export interface ReleaseInventoryDeps {
  readonly inventory: InventoryStore;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  readonly log?: StepLog;
}

/** A write can lose a race at most once per competing writer (one reserve, one release); more is a fault. */
const MAX_ROUNDS = 3;

/**
 * ReleaseInventory (compensation of ReserveInventory): give the reserved stock back exactly once.
 * With no reservation it writes a tombstone, so a late or retried reservation for the order is refused.
 * A repeat after a real release republishes InventoryReleased with the same eventId (a publish that failed
 * after the release committed is not lost); consumers deduplicate it.
 */
export const makeReleaseInventory = ({
  inventory,
  publisher,
  clock,
  log = silentLog,
}: ReleaseInventoryDeps) => {
  const announce = async (command: ReleaseInventoryCommand, reservation: Reservation) => {
    const event = stepEvent(
      'InventoryReleased',
      command.orderId,
      { orderId: command.orderId, items: reservation.items.map(({ sku, quantity }) => ({ sku, quantity })) },
      command.causation,
      clock,
    );
    await publishStepEvent(publisher, event);
  };

  return async (command: ReleaseInventoryCommand): Promise<ReleaseInventoryResult> => {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const reservation = await inventory.getReservation(command.orderId);
      if (!reservation) {
        const tombstone = await inventory.writeReleasedTombstone(command.orderId, clock.now());
        if (tombstone === 'WRITTEN') {
          log.info('nothing was reserved; wrote a release tombstone so no late reservation can happen');
          return { status: 'NOTHING_TO_RELEASE' };
        }
        continue; // a reservation landed between the read and the write: release it
      }
      if (reservation.status === 'RELEASED') {
        if (!returnedStock(reservation)) return { status: 'NOTHING_TO_RELEASE' };
        log.info('stock was already released for this order; republishing InventoryReleased');
        await announce(command, reservation);
        return { status: 'ALREADY_RELEASED' };
      }
      if ((await inventory.release(reservation, clock.now())) === 'RELEASED') {
        await announce(command, reservation);
        return { status: 'RELEASED' };
      }
      // released concurrently: the next read says so
    }
    throw new TransientDependencyError(
      `the reservation of ${command.orderId} kept changing during its release`,
    );
  };
};

export type ReleaseInventory = ReturnType<typeof makeReleaseInventory>;
