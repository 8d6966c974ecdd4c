/**
 * The public contract end to end: orders placed through the Order API run the whole pipeline (outbox, relay,
 * bus, queue, saga, every step and compensation) on the target, and end as DESIGN.md says.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, clients, output, target } from './support/harness.ts';
import { type OrderView, orderBody, placeOrder, settledOrder, stock } from './support/orders.ts';

const record = async (table: string, pk: string) =>
  (await clients.dynamo.send(new GetCommand({ TableName: output(table), Key: { pk }, ConsistentRead: true })))
    .Item;

describe.skipIf(target.skipReason !== undefined)(
  `order flows on ${target.kind}${target.skipReason ? ` (${target.skipReason})` : ''}`,
  () => {
    const orders: Record<string, OrderView> = {};
    let before: Record<string, number> = {};
    let after: Record<string, number> = {};

    beforeAll(async () => {
      // Prepare and act: one order per scenario, placed together, then wait until the saga settles each.
      before = await stock();
      const scenarios = {
        happy: orderBody({
          items: [
            { sku: 'SKU-KEYBOARD', quantity: 2 },
            { sku: 'SKU-CABLE', quantity: 1 },
          ],
        }),
        declined: orderBody({ paymentToken: 'tok_declined', items: [{ sku: 'SKU-MOUSE', quantity: 1 }] }),
        flaky: orderBody({ paymentToken: 'tok_flaky', items: [{ sku: 'SKU-WEBCAM', quantity: 1 }] }),
        error: orderBody({ paymentToken: 'tok_error', items: [{ sku: 'SKU-HEADSET', quantity: 1 }] }),
        outOfStock: orderBody({ items: [{ sku: 'SKU-CHAIR', quantity: 99 }] }),
        noShipping: orderBody({ country: 'XX', items: [{ sku: 'SKU-DOCK', quantity: 1 }] }),
        // Characters beyond the Basic Multilingual Plane travel through every queue, topic and table.
        emoji: {
          ...orderBody({ items: [{ sku: 'SKU-CABLE', quantity: 1 }] }),
          shippingAddress: { line1: 'Gartenstraße 1 🏠', city: 'Zürich', postalCode: '8001', country: 'CH' },
        },
      };
      const ids = await Promise.all(
        Object.entries(scenarios).map(async ([name, body]) => [name, await placeOrder(body)] as const),
      );
      for (const [name, orderId] of await Promise.all(
        ids.map(async ([name, id]) => [name, await settledOrder(id)] as const),
      )) {
        orders[name] = orderId;
      }
      after = await stock();
    }, 180_000);

    it('confirms an order paid with a good card, priced in cents from the catalog, and takes its stock', async () => {
      const order = orders.happy as OrderView;
      expect(order.status).toBe('CONFIRMED');
      expect(order.reason).toBeUndefined();
      expect(order.total).toBe(2 * 8999 + 1299);
      expect(order.items).toEqual([
        { sku: 'SKU-KEYBOARD', name: 'Mechanical keyboard', quantity: 2, unitPrice: 8999 },
        { sku: 'SKU-CABLE', name: 'USB-C cable, 2 m', quantity: 1, unitPrice: 1299 },
      ]);
      expect((before['SKU-KEYBOARD'] ?? 0) - (after['SKU-KEYBOARD'] ?? 0)).toBe(2);
      expect((await record('PaymentsTableName', `PAYMENT#${order.orderId}`))?.status).toBe('AUTHORIZED');
      expect((await record('ShipmentsTableName', `SHIPMENT#${order.orderId}`))?.status).toBe('CREATED');
    });

    it('confirms an order whose address holds emoji and accents: every hop carries them', () => {
      expect(orders.emoji?.status).toBe('CONFIRMED');
    });

    it('cancels with PAYMENT_DECLINED when the card is declined, and returns the stock', () => {
      expect(orders.declined).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED' });
      expect(after['SKU-MOUSE']).toBe(before['SKU-MOUSE']);
    });

    it('confirms after a flaky gateway failed twice, with a single authorization', async () => {
      const order = orders.flaky as OrderView;
      expect(order.status).toBe('CONFIRMED');
      expect((await record('PaymentsTableName', `GATEWAY#${order.orderId}`))?.attempts).toBe(3);
      expect((await record('PaymentsTableName', `PAYMENT#${order.orderId}`))?.status).toBe('AUTHORIZED');
    });

    it('cancels with PAYMENT_DECLINED once the retries of a gateway that always errors run out', async () => {
      const order = orders.error as OrderView;
      expect(order).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED' });
      expect((await record('PaymentsTableName', `GATEWAY#${order.orderId}`))?.attempts).toBe(4);
      expect((await record('PaymentsTableName', `PAYMENT#${order.orderId}`))?.status).not.toBe('AUTHORIZED');
      expect(after['SKU-HEADSET']).toBe(before['SKU-HEADSET']);
    });

    it('cancels with OUT_OF_STOCK when the stock cannot cover the order, taking nothing', async () => {
      const order = orders.outOfStock as OrderView;
      expect(order).toMatchObject({ status: 'CANCELLED', reason: 'OUT_OF_STOCK' });
      expect(after['SKU-CHAIR']).toBe(before['SKU-CHAIR']);
      expect(await record('PaymentsTableName', `GATEWAY#${order.orderId}`)).toBeUndefined();
    });

    it('runs the full compensation when shipping is unavailable: refund, release, cancel', async () => {
      const order = orders.noShipping as OrderView;
      expect(order).toMatchObject({ status: 'CANCELLED', reason: 'SHIPPING_UNAVAILABLE' });
      expect((await record('PaymentsTableName', `PAYMENT#${order.orderId}`))?.status).toBe('REFUNDED');
      expect((await record('ShipmentsTableName', `SHIPMENT#${order.orderId}`))?.status).not.toBe('CREATED');
      expect(after['SKU-DOCK']).toBe(before['SKU-DOCK']);
    });
  },
);

describe.skipIf(target.skipReason !== undefined)(`the Order API contract on ${target.kind}`, () => {
  it('lists at least 10 products with integer-cent prices and stock', async () => {
    const response = await api('GET', '/products');

    expect(response.status).toBe(200);
    const products = response.json as { sku: string; name: string; price: number; available: number }[];
    expect(products.length).toBeGreaterThanOrEqual(10);
    for (const product of products) {
      expect(Object.keys(product).sort()).toEqual(['available', 'name', 'price', 'sku']);
      expect(Number.isInteger(product.price)).toBe(true);
    }
  });

  it('answers 400 with every wrong field for bad input', async () => {
    const response = await api('POST', '/orders', {
      body: {
        customerId: '',
        items: [{ sku: 'SKU-KEYBOARD', quantity: 0 }],
        paymentToken: 'tok_visa',
        shippingAddress: { line1: '1 Main', city: 'X', postalCode: '1', country: 'usa' },
      },
    });

    expect(response.status).toBe(400);
    const body = response.json as { error: string; details: { path: string; message: string }[] };
    expect(body.error).toBe('ValidationError');
    expect(body.details.map((detail) => detail.path).sort()).toEqual(
      ['customerId', 'items.0.quantity', 'shippingAddress.country'].sort(),
    );
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await api('POST', '/orders', {
      body: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect((response.json as { error: string }).error).toBe('ValidationError');
  });

  it('answers 404 for an order that does not exist', async () => {
    const response = await api('GET', '/orders/00000000-0000-4000-8000-000000000000');
    expect(response.status).toBe(404);
  });

  it('gives a repeated Idempotency-Key the same order, and a reused key with another body 409', async () => {
    const body = orderBody({ items: [{ sku: 'SKU-CABLE', quantity: 1 }] });
    const key = `e2e-key-${body.customerId}`;

    const first = await placeOrder(body, key);
    const again = await placeOrder(body, key);
    const conflict = await api('POST', '/orders', {
      body: { ...body, items: [{ sku: 'SKU-CABLE', quantity: 2 }] },
      headers: { 'Idempotency-Key': key },
    });

    expect(again).toBe(first);
    expect(conflict.status).toBe(409);
    expect((await settledOrder(first)).status).toBe('CONFIRMED');
  });
});
