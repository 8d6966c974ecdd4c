import { describe, expect, it } from 'vitest';
import type { ProjectedEvent } from '#functions/analytics/domain/order-projection';
import { makeProjectOrderEvent } from '#functions/analytics/project-order-event';
import { TransientDependencyError } from '#shared/domain/errors';
import { InMemoryReadModelStore } from './in-memory-read-model-store.ts';
import { orderCancelled, orderConfirmed, orderPlaced } from './order-events.ts';

const projectAll = async (store: InMemoryReadModelStore, events: readonly ProjectedEvent[]) => {
  const projectOrderEvent = makeProjectOrderEvent({ store });
  const outcomes = [];
  for (const event of events) outcomes.push(await projectOrderEvent(event));
  return outcomes;
};

describe('project order event', () => {
  it('counts a placed order and its revenue as PENDING', async () => {
    // Prepare
    const store = new InMemoryReadModelStore();

    // Act
    await projectAll(store, [orderPlaced({ total: 4_250 })]);

    // Assess
    expect(store.summary('order-1')).toEqual({
      orderId: 'order-1',
      customerId: 'customer-1',
      status: 'PENDING',
      total: 4_250,
      sequence: 1,
      updatedAt: '2026-11-01T12:00:00.000Z',
    });
    expect(store.statsOf('PENDING')).toEqual({ orders: 1, revenue: 4_250 });
  });

  it('moves the count and revenue of a confirmed order from PENDING to CONFIRMED', async () => {
    // Prepare
    const store = new InMemoryReadModelStore();
    await projectAll(store, [
      orderPlaced({ total: 4_250 }),
      orderPlaced({ orderId: 'order-2', total: 1_000 }),
    ]);

    // Act
    await projectAll(store, [orderConfirmed({ total: 4_250 })]);

    // Assess
    expect(store.summary('order-1')).toMatchObject({ status: 'CONFIRMED', sequence: 2 });
    expect(store.statsOf('PENDING')).toEqual({ orders: 1, revenue: 1_000 });
    expect(store.statsOf('CONFIRMED')).toEqual({ orders: 1, revenue: 4_250 });
  });

  it('keeps the reason of a cancelled order and moves it to CANCELLED', async () => {
    // Prepare
    const store = new InMemoryReadModelStore();
    await projectAll(store, [orderPlaced()]);

    // Act
    await projectAll(store, [orderCancelled('SHIPPING_UNAVAILABLE')]);

    // Assess
    expect(store.summary('order-1')).toMatchObject({ status: 'CANCELLED', reason: 'SHIPPING_UNAVAILABLE' });
    expect(store.statsOf('PENDING')).toEqual({ orders: 0, revenue: 0 });
    expect(store.statsOf('CANCELLED')).toEqual({ orders: 1, revenue: 4_250 });
  });

  it('ignores a replayed older event, which changes nothing', async () => {
    // Prepare
    const store = new InMemoryReadModelStore();
    await projectAll(store, [orderPlaced(), orderConfirmed()]);
    const before = store.snapshot();

    // Act
    const outcomes = await projectAll(store, [orderPlaced()]);

    // Assess
    expect(outcomes).toEqual(['ignored']);
    expect(store.snapshot()).toEqual(before);
  });

  it('counts a duplicate event once', async () => {
    // Prepare
    const store = new InMemoryReadModelStore();

    // Act
    const outcomes = await projectAll(store, [orderPlaced(), orderConfirmed(), orderConfirmed()]);

    // Assess
    expect(outcomes).toEqual(['applied', 'applied', 'ignored']);
    expect(store.statsOf('CONFIRMED')).toEqual({ orders: 1, revenue: 4_250 });
  });

  it.each([
    ['confirmed', () => [orderPlaced(), orderConfirmed()]],
    ['cancelled', () => [orderPlaced(), orderCancelled('PAYMENT_DECLINED')]],
  ])('converges to the in-order state when a %s order arrives before its OrderPlaced', async (_, inOrder) => {
    // Prepare
    const ordered = new InMemoryReadModelStore();
    const reversed = new InMemoryReadModelStore();
    await projectAll(ordered, inOrder());

    // Act
    await projectAll(reversed, inOrder().reverse());

    // Assess
    expect(reversed.snapshot()).toEqual(ordered.snapshot());
    expect(reversed.statsOf('PENDING')).toEqual({ orders: 0, revenue: 0 });
  });

  it('re-reads and retries when another projector wrote the order between its read and its write', async () => {
    // Prepare: an OrderPlaced lands while this projector applies OrderConfirmed to an order it read as absent
    const store = new InMemoryReadModelStore();
    const other = makeProjectOrderEvent({ store });
    store.interfereBeforeNextApply(async () => {
      await other(orderPlaced());
    });

    // Act
    const outcomes = await projectAll(store, [orderConfirmed()]);

    // Assess
    expect(outcomes).toEqual(['applied']);
    expect(store.applyCalls).toBe(3); // the other projector's write, our lost write, our retry
    expect(store.summary('order-1')).toMatchObject({ status: 'CONFIRMED', sequence: 2 });
    expect(store.statsOf('PENDING')).toEqual({ orders: 0, revenue: 0 });
    expect(store.statsOf('CONFIRMED')).toEqual({ orders: 1, revenue: 4_250 });
  });

  it('gives up with a TransientDependencyError after losing every race, so the queue retries later', async () => {
    // Prepare
    const store = new InMemoryReadModelStore();
    store.apply = async () => 'conflict';
    const projectOrderEvent = makeProjectOrderEvent({ store, maxAttempts: 3 });

    // Act
    const projection = projectOrderEvent(orderPlaced());

    // Assess
    await expect(projection).rejects.toBeInstanceOf(TransientDependencyError);
  });
});
