import { describe, expect, it } from 'vitest';
import { makeReleaseInventory } from '#functions/inventory/release-inventory';
import { makeReserveInventory } from '#functions/inventory/reserve-inventory';
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

describe('ReleaseInventory', () => {
  it('returns the reserved stock exactly once, however often the compensation runs', async () => {
    // Prepare
    const { inventory, release, reserve } = setup({ MUG: 5, TEE: 2 });
    await reserve({
      orderId: 'order-1',
      items: [
        { sku: 'MUG', quantity: 2 },
        { sku: 'TEE', quantity: 2 },
      ],
      causation,
    });

    // Act
    const first = await release({ orderId: 'order-1', causation });
    const second = await release({ orderId: 'order-1', causation });

    // Assess
    expect([first, second]).toEqual([{ status: 'RELEASED' }, { status: 'ALREADY_RELEASED' }]);
    expect([inventory.available('MUG'), inventory.available('TEE')]).toEqual([5, 2]);
  });

  it('announces InventoryReleased with the deterministic eventId and the correlation id', async () => {
    // Prepare
    const { publisher, release, reserve } = setup({ MUG: 5 });
    await reserve({ orderId: 'order-1', items: [{ sku: 'MUG', quantity: 2 }], causation });

    // Act
    await release({ orderId: 'order-1', causation });

    // Assess
    const [event] = publisher.ofType('InventoryReleased');
    expect(event?.detail.metadata).toMatchObject({
      eventId: deterministicEventId('order-1', 'InventoryReleased'),
      correlationId: 'corr-1',
      causationId: 'evt-placed-1',
    });
    expect(event?.detail.data).toEqual({ orderId: 'order-1', items: [{ sku: 'MUG', quantity: 2 }] });
  });

  it('writes a tombstone and announces nothing when nothing was reserved', async () => {
    // Prepare
    const { inventory, publisher, release } = setup({ MUG: 5 });

    // Act
    const first = await release({ orderId: 'order-1', causation });
    const repeat = await release({ orderId: 'order-1', causation });

    // Assess
    expect([first, repeat]).toEqual([{ status: 'NOTHING_TO_RELEASE' }, { status: 'NOTHING_TO_RELEASE' }]);
    expect(inventory.reservation('order-1')).toEqual({ orderId: 'order-1', status: 'RELEASED', items: [] });
    expect(inventory.available('MUG')).toBe(5);
    expect(publisher.published).toEqual([]);
  });

  it('releases a reservation that lands between its read and its tombstone write', async () => {
    // Prepare
    const { inventory, release, reserve } = setup({ MUG: 5 });
    inventory.beforeTombstone = async () => {
      inventory.beforeTombstone = undefined;
      await reserve({ orderId: 'order-1', items: [{ sku: 'MUG', quantity: 2 }], causation });
    };

    // Act
    const result = await release({ orderId: 'order-1', causation });

    // Assess
    expect(result).toEqual({ status: 'RELEASED' });
    expect(inventory.available('MUG')).toBe(5);
    expect(inventory.reservation('order-1')?.status).toBe('RELEASED');
  });

  it('throws TransientDependencyError when the event cannot be published, and the retry republishes the same event without returning stock twice', async () => {
    // Prepare
    const { inventory, publisher, release, reserve } = setup({ MUG: 5 });
    await reserve({ orderId: 'order-1', items: [{ sku: 'MUG', quantity: 2 }], causation });
    publisher.failNext();

    // Act
    await expect(release({ orderId: 'order-1', causation })).rejects.toBeInstanceOf(TransientDependencyError);
    const retry = await release({ orderId: 'order-1', causation });

    // Assess
    expect(retry).toEqual({ status: 'ALREADY_RELEASED' });
    expect(inventory.available('MUG')).toBe(5);
    expect(publisher.ofType('InventoryReleased').map((event) => event.detail.metadata.eventId)).toEqual([
      deterministicEventId('order-1', 'InventoryReleased'),
    ]);
  });
});
