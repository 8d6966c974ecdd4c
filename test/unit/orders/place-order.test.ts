import { beforeEach, describe, expect, it } from 'vitest';
import {
  makePlaceOrder,
  type PlaceOrder,
  type PlaceOrderCommand,
} from '#functions/orders/use-cases/place-order';
import { TransientDependencyError } from '#shared/domain/errors';
import type { DomainEvent } from '#shared/events/schemas';
import { FixedClock, SequentialIds } from '../../fixtures/clock.ts';
import { PRODUCTS, validBody } from './builders.ts';
import { InMemoryCatalog, InMemoryOrderRepository } from './fakes.ts';

type Body = ReturnType<typeof validBody>;

describe('placing an order', () => {
  let orders: InMemoryOrderRepository;
  let clock: FixedClock;
  let placeOrder: PlaceOrder;

  const command = (overrides: Partial<PlaceOrderCommand> = {}): PlaceOrderCommand => ({
    body: validBody(),
    callerScope: 'anonymous',
    correlationId: 'corr-1',
    causationId: 'request-1',
    ...overrides,
  });

  beforeEach(() => {
    orders = new InMemoryOrderRepository();
    clock = new FixedClock(new Date('2026-11-01T12:00:00.000Z'));
    placeOrder = makePlaceOrder({
      orders,
      catalog: new InMemoryCatalog(PRODUCTS),
      clock,
      ids: new SequentialIds(),
    });
  });

  it('stores a PENDING order priced from the catalog together with one OrderPlaced outbox event', async () => {
    // Act
    const result = await placeOrder(command());

    // Assess
    expect(result).toEqual({ kind: 'Accepted', orderId: 'id-1', replayed: false });
    expect(orders.orders.get('id-1')).toEqual({
      orderId: 'id-1',
      customerId: 'customer-42',
      status: 'PENDING',
      items: [
        { sku: 'SKU-KEYBOARD', name: 'Mechanical keyboard', quantity: 1, unitPrice: 8999 },
        { sku: 'SKU-CABLE', name: 'USB-C cable', quantity: 3, unitPrice: 1299 },
      ],
      total: 12896,
      currency: 'USD',
      shippingAddress: { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'US' },
      createdAt: '2026-11-01T12:00:00.000Z',
      updatedAt: '2026-11-01T12:00:00.000Z',
      version: 1,
      correlationId: 'corr-1',
    });
    expect(orders.outbox).toHaveLength(1);
    const event = orders.outbox[0] as DomainEvent<'OrderPlaced'>;
    expect(event.detailType).toBe('OrderPlaced');
    expect(event.source).toBe('orderflow.orders');
    expect(event.detail.metadata).toMatchObject({
      eventId: 'id-2',
      correlationId: 'corr-1',
      causationId: 'request-1',
    });
    expect(event.detail.data).toMatchObject({
      orderId: 'id-1',
      sequence: 1,
      total: 12896,
      paymentToken: 'tok_visa',
    });
  });

  it('computes the total in integer cents from catalog prices, whatever the quantities', async () => {
    // Prepare
    const body = {
      ...validBody(),
      items: [
        { sku: 'SKU-MOUSE', quantity: 3 },
        { sku: 'SKU-CABLE', quantity: 7 },
      ],
    };

    // Act
    await placeOrder(command({ body }));

    // Assess
    const order = orders.orders.get('id-1');
    expect(order?.total).toBe(2999 * 3 + 1299 * 7);
    expect(Number.isInteger(order?.total)).toBe(true);
  });

  it('stores trimmed address fields', async () => {
    // Prepare
    const body = {
      ...validBody(),
      shippingAddress: { ...validBody().shippingAddress, city: '  Springfield  ' },
    };

    // Act
    await placeOrder(command({ body }));

    // Assess
    expect(orders.orders.get('id-1')?.shippingAddress.city).toBe('Springfield');
  });

  const tooMany = Array.from({ length: 51 }, (_, index) => ({ sku: `SKU-${index}`, quantity: 1 }));

  it.each<[string, (body: Body) => unknown, string]>([
    ['a missing customerId', ({ customerId: _, ...body }) => body, 'customerId'],
    ['an empty customerId', (body) => ({ ...body, customerId: '' }), 'customerId'],
    ['a customerId over 64 characters', (body) => ({ ...body, customerId: 'c'.repeat(65) }), 'customerId'],
    ['an order without lines', (body) => ({ ...body, items: [] }), 'items'],
    ['an order of more than 50 lines', (body) => ({ ...body, items: tooMany }), 'items'],
    ['a malformed sku', (body) => ({ ...body, items: [{ sku: 'keyboard', quantity: 1 }] }), 'items.0.sku'],
    [
      'a quantity of 0',
      (body) => ({ ...body, items: [{ sku: 'SKU-MOUSE', quantity: 0 }] }),
      'items.0.quantity',
    ],
    [
      'a quantity over 100',
      (body) => ({ ...body, items: [{ sku: 'SKU-MOUSE', quantity: 101 }] }),
      'items.0.quantity',
    ],
    [
      'a fractional quantity',
      (body) => ({ ...body, items: [{ sku: 'SKU-MOUSE', quantity: 1.5 }] }),
      'items.0.quantity',
    ],
    [
      'a quantity sent as a string',
      (body) => ({ ...body, items: [{ sku: 'SKU-MOUSE', quantity: '2' }] }),
      'items.0.quantity',
    ],
    [
      'two lines of the same sku',
      (body) => ({
        ...body,
        items: [
          { sku: 'SKU-MOUSE', quantity: 1 },
          { sku: 'SKU-MOUSE', quantity: 2 },
        ],
      }),
      'items.1.sku',
    ],
    [
      'a line with a client-side price',
      (body) => ({ ...body, items: [{ sku: 'SKU-MOUSE', quantity: 1, price: 1 }] }),
      'items.0.price',
    ],
    [
      'a payment token without the tok_ prefix',
      (body) => ({ ...body, paymentToken: 'visa' }),
      'paymentToken',
    ],
    [
      'a payment token with upper-case letters',
      (body) => ({ ...body, paymentToken: 'tok_VISA' }),
      'paymentToken',
    ],
    [
      'a blank address line',
      (body) => ({ ...body, shippingAddress: { ...body.shippingAddress, line1: '   ' } }),
      'shippingAddress.line1',
    ],
    [
      'a city over 100 characters',
      (body) => ({ ...body, shippingAddress: { ...body.shippingAddress, city: 'x'.repeat(101) } }),
      'shippingAddress.city',
    ],
    [
      'a postal code over 20 characters',
      (body) => ({ ...body, shippingAddress: { ...body.shippingAddress, postalCode: '1'.repeat(21) } }),
      'shippingAddress.postalCode',
    ],
    [
      'a lower-case country',
      (body) => ({ ...body, shippingAddress: { ...body.shippingAddress, country: 'us' } }),
      'shippingAddress.country',
    ],
    [
      'a three-letter country',
      (body) => ({ ...body, shippingAddress: { ...body.shippingAddress, country: 'USA' } }),
      'shippingAddress.country',
    ],
    [
      'an unknown address field',
      (body) => ({ ...body, shippingAddress: { ...body.shippingAddress, line2: 'Apt 1' } }),
      'shippingAddress.line2',
    ],
    ['an unknown top-level field', (body) => ({ ...body, couponCode: 'FREE' }), 'couponCode'],
    ['a body that is not an object', () => [validBody()], ''],
  ])('refuses %s, naming exactly that field, and stores nothing', async (_rule, mutate, path) => {
    // Act
    const result = await placeOrder(command({ body: mutate(validBody()) }));

    // Assess
    expect(result.kind).toBe('Invalid');
    expect(result.kind === 'Invalid' && result.issues.map((issue) => issue.path)).toEqual([path]);
    expect(orders.orders.size).toBe(0);
    expect(orders.outbox).toHaveLength(0);
  });

  it.each<[string, (body: Body) => unknown, string]>([
    ['a missing customerId', ({ customerId: _, ...body }) => body, 'is required'],
    ['a customerId of spaces', (body) => ({ ...body, customerId: '   ' }), 'must not be empty'],
    ['a numeric customerId', (body) => ({ ...body, customerId: 42 }), 'must be a string'],
    [
      'a customerId over 64 characters',
      (body) => ({ ...body, customerId: 'c'.repeat(65) }),
      'must be at most 64 characters',
    ],
    ['items that are not a list', (body) => ({ ...body, items: {} }), 'must be an array'],
    [
      'a quantity sent as a string',
      (body) => ({ ...body, items: [{ sku: 'SKU-MOUSE', quantity: '2' }] }),
      'must be a number',
    ],
    [
      'a huge quantity',
      (body) => ({ ...body, items: [{ sku: 'SKU-MOUSE', quantity: 1e20 }] }),
      'must be at most 100',
    ],
    [
      'a negative fractional quantity',
      (body) => ({ ...body, items: [{ sku: 'SKU-MOUSE', quantity: -1.5 }] }),
      'must be at least 1',
    ],
    [
      'a fractional quantity',
      (body) => ({ ...body, items: [{ sku: 'SKU-MOUSE', quantity: 1.5 }] }),
      'must be a whole number',
    ],
    ['a missing shipping address', ({ shippingAddress: _, ...body }) => body, 'is required'],
    ['a body that is a list', () => [validBody()], 'must be an object'],
  ])('words %s as one plain message a client can act on', async (_rule, mutate, message) => {
    const result = await placeOrder(command({ body: mutate(validBody()) }));

    expect(result.kind === 'Invalid' && result.issues.map((issue) => issue.message)).toEqual([message]);
  });

  it('lists every bad field of a request at once', async () => {
    // Prepare
    const body = {
      customerId: '',
      items: [{ sku: 'SKU-MOUSE', quantity: 0 }],
      paymentToken: 'card',
      shippingAddress: { line1: 'x', city: 'y', postalCode: 'z', country: 'usa' },
    };

    // Act
    const result = await placeOrder(command({ body, idempotencyKey: '' }));

    // Assess
    expect(result.kind === 'Invalid' && result.issues.map((issue) => issue.path).sort()).toEqual([
      'customerId',
      'idempotencyKey',
      'items.0.quantity',
      'paymentToken',
      'shippingAddress.country',
    ]);
  });

  it('refuses skus that are not in the catalog, naming each such line', async () => {
    // Prepare
    const body = {
      ...validBody(),
      items: [
        { sku: 'SKU-MOUSE', quantity: 1 },
        { sku: 'SKU-UNICORN', quantity: 1 },
        { sku: 'SKU-DRAGON', quantity: 2 },
      ],
    };

    // Act
    const result = await placeOrder(command({ body }));

    // Assess
    expect(result).toEqual({
      kind: 'Invalid',
      issues: [
        { path: 'items.1.sku', message: 'unknown sku SKU-UNICORN' },
        { path: 'items.2.sku', message: 'unknown sku SKU-DRAGON' },
      ],
    });
    expect(orders.orders.size).toBe(0);
  });

  it.each([
    ['an empty key', ''],
    ['a key with a space', 'key with space'],
    ['a key over 255 characters', 'k'.repeat(256)],
    ['a key with non-ASCII characters', 'clé'],
  ])('refuses an Idempotency-Key that is %s', async (_case, idempotencyKey) => {
    // Act
    const result = await placeOrder(command({ idempotencyKey }));

    // Assess
    expect(result.kind === 'Invalid' && result.issues.map((issue) => issue.path)).toEqual(['idempotencyKey']);
  });

  describe('with an Idempotency-Key', () => {
    it('answers a repeat of the same request with the same orderId and stores one order and one event', async () => {
      // Prepare
      const first = await placeOrder(command({ idempotencyKey: 'key-1' }));

      // Act
      const second = await placeOrder(command({ idempotencyKey: 'key-1', causationId: 'request-2' }));

      // Assess
      expect(first).toEqual({ kind: 'Accepted', orderId: 'id-1', replayed: false });
      expect(second).toEqual({ kind: 'Accepted', orderId: 'id-1', replayed: true });
      expect(orders.orders.size).toBe(1);
      expect(orders.outbox).toHaveLength(1);
    });

    it('treats the same body with its fields in another order as the same request', async () => {
      // Prepare
      const { shippingAddress, paymentToken, items, customerId } = validBody();
      await placeOrder(command({ idempotencyKey: 'key-1' }));

      // Act
      const again = await placeOrder(
        command({ idempotencyKey: 'key-1', body: { shippingAddress, paymentToken, items, customerId } }),
      );

      // Assess
      expect(again).toEqual({ kind: 'Accepted', orderId: 'id-1', replayed: true });
    });

    it('refuses the same key with a different body as a conflict and stores nothing more', async () => {
      // Prepare
      await placeOrder(command({ idempotencyKey: 'key-1' }));

      // Act
      const result = await placeOrder(
        command({ idempotencyKey: 'key-1', body: { ...validBody(), paymentToken: 'tok_declined' } }),
      );

      // Assess
      expect(result.kind).toBe('IdempotencyConflict');
      expect(orders.orders.size).toBe(1);
      expect(orders.outbox).toHaveLength(1);
    });

    it('keeps keys apart per caller, so two callers with the same key get two orders', async () => {
      // Act
      const alice = await placeOrder(command({ idempotencyKey: 'key-1', callerScope: 'alice' }));
      const bob = await placeOrder(command({ idempotencyKey: 'key-1', callerScope: 'bob' }));

      // Assess
      expect(alice.kind === 'Accepted' && bob.kind === 'Accepted' && alice.orderId !== bob.orderId).toBe(
        true,
      );
      expect([...orders.claims.keys()]).toEqual(['orders-api#alice#key-1', 'orders-api#bob#key-1']);
    });

    it('claims the key for 24 hours, after which the same key places a new order', async () => {
      // Prepare
      await placeOrder(command({ idempotencyKey: 'key-1' }));
      clock.advance(24 * 60 * 60 * 1000 + 1000);

      // Act
      const later = await placeOrder(command({ idempotencyKey: 'key-1' }));

      // Assess
      expect(later).toEqual({ kind: 'Accepted', orderId: 'id-3', replayed: false });
      expect(orders.orders.size).toBe(2);
    });

    it('ends concurrent duplicates in one order', async () => {
      // Act
      const results = await Promise.all(
        [1, 2, 3].map(() => placeOrder(command({ idempotencyKey: 'key-1' }))),
      );

      // Assess
      const orderIds = new Set(
        results.map((result) => (result.kind === 'Accepted' ? result.orderId : result.kind)),
      );
      expect(orderIds).toEqual(new Set(['id-1']));
      expect(orders.orders.size).toBe(1);
      expect(orders.outbox).toHaveLength(1);
    });
  });

  it('writes again after losing a race with a concurrent transaction', async () => {
    // Prepare
    orders.contendNext(2);

    // Act
    const result = await placeOrder(command({ idempotencyKey: 'key-1' }));

    // Assess
    expect(result).toEqual({ kind: 'Accepted', orderId: 'id-1', replayed: false });
    expect(orders.orders.size).toBe(1);
  });

  it('gives up with a TransientDependencyError when every attempt is contended', async () => {
    // Prepare
    orders.contendNext(10);

    // Act
    const attempt = placeOrder(command({ idempotencyKey: 'key-1' }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(TransientDependencyError);
    expect(orders.orders.size).toBe(0);
  });
});
