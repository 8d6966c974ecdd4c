/** No overselling, and conservation of stock: start = now + units in confirmed orders, whatever happened. */
import { describe, expect, it } from 'vitest';
import { target } from './support/harness.ts';
import { type OrderView, orderBody, placeOrder, settledOrder, stock, unitsOf } from './support/orders.ts';

const settleAll = async (bodies: unknown[]): Promise<OrderView[]> => {
  const ids = await Promise.all(bodies.map((body) => placeOrder(body)));
  return Promise.all(ids.map((id) => settledOrder(id)));
};

describe.skipIf(target.skipReason !== undefined)(`stock on ${target.kind}`, () => {
  it('sells scarce stock to exactly as many concurrent orders as there are units, and never below zero', async () => {
    // Prepare
    const available = (await stock())['SKU-GPU'] ?? 0;
    const contenders = Math.min(available, 20) + 3;

    // Act: every order at once, one unit each.
    const orders = await settleAll(
      Array.from({ length: contenders }, () => orderBody({ items: [{ sku: 'SKU-GPU', quantity: 1 }] })),
    );

    // Assess
    const confirmed = orders.filter((order) => order.status === 'CONFIRMED');
    const refused = orders.filter((order) => order.status === 'CANCELLED');
    expect(confirmed).toHaveLength(Math.min(available, contenders));
    expect(refused.every((order) => order.reason === 'OUT_OF_STOCK')).toBe(true);
    expect((await stock())['SKU-GPU']).toBe(available - confirmed.length);
  });

  it('conserves stock across a mix of confirmations, declines, errors and compensations', async () => {
    // Prepare
    const before = await stock();

    // Act
    const orders = await settleAll([
      orderBody({
        items: [
          { sku: 'SKU-KEYBOARD', quantity: 1 },
          { sku: 'SKU-MOUSE', quantity: 2 },
        ],
      }),
      orderBody({ items: [{ sku: 'SKU-MOUSE', quantity: 1 }], paymentToken: 'tok_declined' }),
      orderBody({ items: [{ sku: 'SKU-KEYBOARD', quantity: 3 }], paymentToken: 'tok_flaky' }),
      orderBody({ items: [{ sku: 'SKU-MONITOR', quantity: 1 }], paymentToken: 'tok_error' }),
      orderBody({
        items: [
          { sku: 'SKU-MONITOR', quantity: 2 },
          { sku: 'SKU-MOUSE', quantity: 1 },
        ],
        country: 'XX',
      }),
      orderBody({ items: [{ sku: 'SKU-MICROPHONE', quantity: 99 }] }),
      orderBody({ items: [{ sku: 'SKU-DESK-LAMP', quantity: 4 }] }),
    ]);
    const after = await stock();

    // Assess
    expect(orders.map((order) => order.status)).toEqual([
      'CONFIRMED',
      'CANCELLED',
      'CONFIRMED',
      'CANCELLED',
      'CANCELLED',
      'CANCELLED',
      'CONFIRMED',
    ]);
    const sold = unitsOf(orders.filter((order) => order.status === 'CONFIRMED'));
    for (const sku of Object.keys(before)) {
      expect((after[sku] ?? 0) + (sold[sku] ?? 0), sku).toBe(before[sku]);
    }
  });
});
