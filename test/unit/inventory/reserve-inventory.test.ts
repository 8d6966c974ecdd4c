import { describe, expect, it } from 'vitest';
import { makeReleaseInventory } from '#functions/inventory/release-inventory';
import { makeReserveInventory, type ReserveInventoryCommand } from '#functions/inventory/reserve-inventory';
import { TransientDependencyError } from '#shared/domain/errors';
import { deterministicEventId } from '#shared/events/envelope';
import { FixedClock } from '../../fixtures/clock.ts';
import { RecordingPublisher } from '../../fixtures/event-publisher.ts';
import { InMemoryInventoryStore } from './in-memory-inventory-store.ts';

const causation = { correlationId: 'corr-1', causationId: 'evt-placed-1' };

const setup = (stock: Record<string, number>) => {
  const inventory = new InMemoryInventoryStore(stock);
  const publisher = new RecordingPublisher();
  const clock = new FixedClock();
  return {
    inventory,
    publisher,
    reserve: makeReserveInventory({ inventory, publisher, clock }),
    release: makeReleaseInventory({ inventory, publisher, clock }),
  };
};

const order = (orderId: string, items: ReserveInventoryCommand['items']): ReserveInventoryCommand => ({
  orderId,
  items,
  causation,
});

describe('ReserveInventory', () => {
  it('takes every line from stock and announces InventoryReserved with the deterministic eventId', async () => {
    // Prepare
    const { inventory, publisher, reserve } = setup({ MUG: 5, TEE: 3 });

    // Act
    const result = await reserve(
      order('order-1', [
        { sku: 'MUG', quantity: 2 },
        { sku: 'TEE', quantity: 3 },
      ]),
    );

    // Assess
    expect(result).toEqual({ status: 'RESERVED' });
    expect([inventory.available('MUG'), inventory.available('TEE')]).toEqual([3, 0]);
    const [event] = publisher.ofType('InventoryReserved');
    expect(publisher.published).toHaveLength(1);
    expect(event?.detail.metadata).toMatchObject({
      eventId: deterministicEventId('order-1', 'InventoryReserved'),
      correlationId: 'corr-1',
      causationId: 'evt-placed-1',
    });
    expect(event?.detail.data).toEqual({
      orderId: 'order-1',
      items: [
        { sku: 'MUG', quantity: 2 },
        { sku: 'TEE', quantity: 3 },
      ],
    });
  });

  it('reserves nothing at all when one line is short or unknown, and names those skus', async () => {
    // Prepare
    const { inventory, publisher, reserve } = setup({ MUG: 5, TEE: 1 });

    // Act
    const result = await reserve(
      order('order-1', [
        { sku: 'MUG', quantity: 2 },
        { sku: 'TEE', quantity: 2 },
        { sku: 'GHOST', quantity: 1 },
      ]),
    );

    // Assess
    expect(result).toEqual({ status: 'OUT_OF_STOCK', unavailableSkus: ['GHOST', 'TEE'] });
    expect([inventory.available('MUG'), inventory.available('TEE')]).toEqual([5, 1]);
    expect(inventory.reservation('order-1')).toBeUndefined();
    const [event] = publisher.ofType('InventoryReservationFailed');
    expect(event?.detail.metadata.eventId).toBe(
      deterministicEventId('order-1', 'InventoryReservationFailed'),
    );
    expect(event?.detail.data).toEqual({
      orderId: 'order-1',
      reason: 'OUT_OF_STOCK',
      unavailableSkus: ['GHOST', 'TEE'],
    });
  });

  it('never takes stock below zero: the last units go to one order and the next is refused', async () => {
    // Prepare
    const { inventory, reserve } = setup({ MUG: 3 });

    // Act
    const first = await reserve(order('order-1', [{ sku: 'MUG', quantity: 3 }]));
    const second = await reserve(order('order-2', [{ sku: 'MUG', quantity: 1 }]));

    // Assess
    expect(first.status).toBe('RESERVED');
    expect(second).toEqual({ status: 'OUT_OF_STOCK', unavailableSkus: ['MUG'] });
    expect(inventory.available('MUG')).toBe(0);
  });

  it('adds up repeated lines of one sku before checking the stock', async () => {
    // Prepare
    const { inventory, reserve } = setup({ MUG: 3 });

    // Act
    const result = await reserve(
      order('order-1', [
        { sku: 'MUG', quantity: 2 },
        { sku: 'MUG', quantity: 2 },
      ]),
    );

    // Assess
    expect(result).toEqual({ status: 'OUT_OF_STOCK', unavailableSkus: ['MUG'] });
    expect(inventory.available('MUG')).toBe(3);
  });

  it('does not reserve twice when the step runs again for the same order', async () => {
    // Prepare
    const { inventory, publisher, reserve } = setup({ MUG: 5 });
    const command = order('order-1', [{ sku: 'MUG', quantity: 2 }]);
    await reserve(command);

    // Act
    const repeat = await reserve(command);

    // Assess
    expect(repeat).toEqual({ status: 'RESERVED' });
    expect(inventory.available('MUG')).toBe(3);
    const ids = publisher.ofType('InventoryReserved').map((event) => event.detail.metadata.eventId);
    expect(new Set(ids)).toEqual(new Set([deterministicEventId('order-1', 'InventoryReserved')]));
  });

  it('never reserves for an order whose release already ran, whether it came first or after a reservation', async () => {
    // Prepare
    const { inventory, release, reserve } = setup({ MUG: 5 });
    await release({ orderId: 'order-1', causation });
    await reserve(order('order-2', [{ sku: 'MUG', quantity: 1 }]));
    await release({ orderId: 'order-2', causation });

    // Act
    const late = await reserve(order('order-1', [{ sku: 'MUG', quantity: 2 }]));
    const again = await reserve(order('order-2', [{ sku: 'MUG', quantity: 1 }]));

    // Assess
    expect(late).toEqual({ status: 'OUT_OF_STOCK', unavailableSkus: ['MUG'] });
    expect(again).toEqual({ status: 'OUT_OF_STOCK', unavailableSkus: ['MUG'] });
    expect(inventory.available('MUG')).toBe(5);
  });

  it('throws TransientDependencyError when the event cannot be published, and the retry republishes without reserving again', async () => {
    // Prepare
    const { inventory, publisher, reserve } = setup({ MUG: 5 });
    const command = order('order-1', [{ sku: 'MUG', quantity: 2 }]);
    publisher.failNext();

    // Act
    const failed = reserve(command);
    await expect(failed).rejects.toBeInstanceOf(TransientDependencyError);
    const retry = await reserve(command);

    // Assess
    expect(retry).toEqual({ status: 'RESERVED' });
    expect(inventory.available('MUG')).toBe(3);
    expect(publisher.published.map((event) => event.detail.metadata.eventId)).toEqual([
      deterministicEventId('order-1', 'InventoryReserved'),
    ]);
  });
});
