import { describe, expect, it } from 'vitest';
import { makeGetOrder } from '#functions/orders/use-cases/get-order';
import { makeListProducts } from '#functions/orders/use-cases/list-products';
import { PRODUCTS, pendingOrder } from './builders.ts';
import { InMemoryCatalog, InMemoryOrderRepository } from './fakes.ts';

describe('reading orders', () => {
  it('answers NotFound for an order that does not exist', async () => {
    // Prepare
    const getOrder = makeGetOrder({ orders: new InMemoryOrderRepository() });

    // Act
    const result = await getOrder('no-such-order');

    // Assess
    expect(result).toEqual({ kind: 'NotFound' });
  });

  it('shows a pending order without a reason and without internal fields', async () => {
    // Prepare
    const orders = new InMemoryOrderRepository();
    orders.seed(pendingOrder());

    // Act
    const result = await makeGetOrder({ orders })('order-1');

    // Assess
    expect(result).toEqual({
      kind: 'Found',
      order: {
        orderId: 'order-1',
        status: 'PENDING',
        items: [{ sku: 'SKU-KEYBOARD', name: 'Mechanical keyboard', quantity: 1, unitPrice: 8999 }],
        total: 8999,
        createdAt: '2026-11-01T12:00:00.000Z',
        updatedAt: '2026-11-01T12:00:00.000Z',
      },
    });
  });

  it('shows the reason of a cancelled order', async () => {
    // Prepare
    const orders = new InMemoryOrderRepository();
    orders.seed(pendingOrder({ status: 'CANCELLED', reason: 'OUT_OF_STOCK', version: 2 }));

    // Act
    const result = await makeGetOrder({ orders })('order-1');

    // Assess
    expect(result.kind === 'Found' && result.order).toMatchObject({
      status: 'CANCELLED',
      reason: 'OUT_OF_STOCK',
    });
  });

  it('never shows a reason on an order that is not cancelled', async () => {
    // Prepare: a stray reason on a confirmed order must not leak into the API.
    const orders = new InMemoryOrderRepository();
    orders.seed(pendingOrder({ status: 'CONFIRMED', reason: 'INTERNAL_ERROR', version: 2 }));

    // Act
    const result = await makeGetOrder({ orders })('order-1');

    // Assess
    expect(result.kind === 'Found' && 'reason' in result.order).toBe(false);
  });
});

describe('listing products', () => {
  it('lists the catalog sorted by sku with price and available stock', async () => {
    // Prepare
    const listProducts = makeListProducts({ catalog: new InMemoryCatalog(PRODUCTS) });

    // Act
    const products = await listProducts();

    // Assess
    expect(products).toEqual([
      { sku: 'SKU-CABLE', name: 'USB-C cable', price: 1299, available: 500 },
      { sku: 'SKU-KEYBOARD', name: 'Mechanical keyboard', price: 8999, available: 100 },
      { sku: 'SKU-MOUSE', name: 'Wireless mouse', price: 2999, available: 150 },
    ]);
  });
});
