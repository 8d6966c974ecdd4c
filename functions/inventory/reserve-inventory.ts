import { publishStepEvent, stepEvent } from '#functions/saga/step-event';
import { type StepLog, silentLog } from '#functions/saga/step-log';
import { TransientDependencyError } from '#shared/domain/errors';
import type { Causation } from '#shared/events/envelope';
import type { Clock } from '#shared/ports/clock';
import type { EventPublisher } from '#shared/ports/event-publisher';
import type { InventoryStore } from './inventory-store.ts';
import { mergeLines, type StockLine } from './reservation.ts';

export interface ReserveInventoryCommand {
  readonly orderId: string;
  readonly items: readonly StockLine[];
  readonly causation: Causation;
}

/** Written at `$.reservation`. */
export type ReserveInventoryResult =
  | { readonly status: 'RESERVED' }
  | { readonly status: 'OUT_OF_STOCK'; readonly unavailableSkus: string[] };

export interface ReserveInventoryDeps {
  readonly inventory: InventoryStore;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  readonly log?: StepLog;
}

/**
 * ReserveInventory: take every line of the order from stock in one conditional transaction, or none of them.
 * Idempotent on the orderId: a repeat finds the reservation and reserves nothing more, and a reservation that
 * a release already tombstoned is refused, so stock is never reserved after its compensation ran.
 */
export const makeReserveInventory = ({
  inventory,
  publisher,
  clock,
  log = silentLog,
}: ReserveInventoryDeps) => {
  const reserved = async (command: ReserveInventoryCommand, items: readonly StockLine[]) => {
    const event = stepEvent(
      'InventoryReserved',
      command.orderId,
      { orderId: command.orderId, items: items.map(({ sku, quantity }) => ({ sku, quantity })) },
      command.causation,
      clock,
    );
    await publishStepEvent(publisher, event);
    return { status: 'RESERVED' } as const;
  };

  const outOfStock = async (command: ReserveInventoryCommand, unavailableSkus: string[]) => {
    const event = stepEvent(
      'InventoryReservationFailed',
      command.orderId,
      { orderId: command.orderId, reason: 'OUT_OF_STOCK', unavailableSkus },
      command.causation,
      clock,
    );
    await publishStepEvent(publisher, event);
    return { status: 'OUT_OF_STOCK', unavailableSkus } as const;
  };

  return async (command: ReserveInventoryCommand): Promise<ReserveInventoryResult> => {
    const lines = mergeLines(command.items);
    const attempt = await inventory.reserve(command.orderId, lines, clock.now());
    if (attempt.outcome === 'RESERVED') return reserved(command, lines);
    if (attempt.outcome === 'UNAVAILABLE') return outOfStock(command, [...attempt.unavailableSkus]);

    const existing = await inventory.getReservation(command.orderId);
    // Reservations are never deleted, so a failed existence check is followed by a readable item.
    if (!existing) {
      throw new TransientDependencyError(`reservation of ${command.orderId} exists but cannot be read`);
    }
    if (existing.status === 'RESERVED') {
      log.info('stock is already reserved for this order; not reserving twice');
      return reserved(command, existing.items);
    }
    if (existing.items.length > 0) {
      // Reserved, then released by a compensation: the order is being cancelled, and both events are out.
      log.warn('the reservation was already released; refusing to reserve again');
      return { status: 'OUT_OF_STOCK', unavailableSkus: lines.map((line) => line.sku) };
    }
    log.warn('a release ran before this reservation (tombstone); refusing to reserve');
    return outOfStock(
      command,
      lines.map((line) => line.sku),
    );
  };
};

export type ReserveInventory = ReturnType<typeof makeReserveInventory>;
