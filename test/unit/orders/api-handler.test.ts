import { beforeEach, describe, expect, it, vi } from 'vitest';
import { makeApiHandler, type OrdersApi } from '#functions/orders/api-handler';
import { makeGetOrder } from '#functions/orders/use-cases/get-order';
import { makeListProducts } from '#functions/orders/use-cases/list-products';
import { makePlaceOrder } from '#functions/orders/use-cases/place-order';
import { logger } from '#shared/powertools/index';
import { FixedClock, SequentialIds } from '../../fixtures/clock.ts';
import { lambdaContext } from '../../fixtures/lambda-context.ts';
import { apiRequest } from './api-events.ts';
import { PRODUCTS, pendingOrder, validBody } from './builders.ts';
import { InMemoryCatalog, InMemoryOrderRepository } from './fakes.ts';

describe('the Order API handler', () => {
  let orders: InMemoryOrderRepository;
  let api: OrdersApi;
  let handler: ReturnType<typeof makeApiHandler>;

  beforeEach(() => {
    orders = new InMemoryOrderRepository();
    const catalog = new InMemoryCatalog(PRODUCTS);
    api = {
      placeOrder: makePlaceOrder({
        orders,
        catalog,
        clock: new FixedClock(),
        ids: new SequentialIds('order'),
      }),
      getOrder: makeGetOrder({ orders }),
      listProducts: makeListProducts({ catalog }),
    };
    handler = makeApiHandler(() => api);
  });

  const send = (event: ReturnType<typeof apiRequest>) => handler(event, lambdaContext());

  it('accepts a valid order with 202, its Location and the caller correlation id carried into the event', async () => {
    // Act
    const response = await send(
      apiRequest('POST', '/orders', { body: validBody(), headers: { 'X-Correlation-Id': 'checkout-7f3a' } }),
    );

    // Assess
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({ orderId: 'order-1', status: 'PENDING' });
    expect(response.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      location: '/orders/order-1',
      'x-correlation-id': 'checkout-7f3a',
    });
    expect(orders.orders.get('order-1')?.correlationId).toBe('checkout-7f3a');
    expect(orders.outbox[0]?.detail.metadata).toMatchObject({
      correlationId: 'checkout-7f3a',
      causationId: 'api-request-1',
    });
  });

  it('adds the correlation id to the log keys before any work, so every log line of the request carries it', async () => {
    // Prepare: unit tests run with the logger silenced, so the keys it is given are observed instead.
    const appendKeys = vi.spyOn(logger, 'appendKeys');
    let keysWhenPlacing: unknown[] = [];
    const placeOrder = api.placeOrder;
    api = {
      ...api,
      placeOrder: (command) => {
        keysWhenPlacing = appendKeys.mock.calls.map(([keys]) => keys);
        return placeOrder(command);
      },
    };

    // Act
    await send(
      apiRequest('POST', '/orders', { body: validBody(), headers: { 'X-Correlation-Id': 'checkout-7f3a' } }),
    );
    appendKeys.mockRestore();

    // Assess
    expect(keysWhenPlacing).toContainEqual({ correlationId: 'checkout-7f3a' });
  });

  it('uses the API request id as correlation id when the header is unsafe', async () => {
    // Act
    const response = await send(
      apiRequest('POST', '/orders', {
        body: validBody(),
        headers: { 'x-correlation-id': 'bad id <script>' },
      }),
    );

    // Assess
    expect(response.headers?.['x-correlation-id']).toBe('api-request-1');
    expect(orders.orders.get('order-1')?.correlationId).toBe('api-request-1');
  });

  it('answers 400 with path "" for a body that is not JSON', async () => {
    // Act
    const response = await send(apiRequest('POST', '/orders', { body: '{"customerId": ' }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      error: 'ValidationError',
      details: [{ path: '', message: 'the body is not valid JSON' }],
    });
  });

  it('answers 400 listing the bad fields and names a bad Idempotency-Key header, whatever its case', async () => {
    // Act
    const response = await send(
      apiRequest('POST', '/orders', {
        body: { ...validBody(), paymentToken: 'visa' },
        headers: { 'idempotency-key': 'has spaces' },
      }),
    );

    // Assess
    expect(response.statusCode).toBe(400);
    const paths = (JSON.parse(response.body) as { details: { path: string }[] }).details.map(
      (detail) => detail.path,
    );
    expect(paths).toEqual(['paymentToken', 'headers.Idempotency-Key']);
    expect(orders.orders.size).toBe(0);
  });

  it('replays a repeated request with its Idempotency-Key and refuses the key with another body with 409', async () => {
    // Prepare
    const request = (body: unknown) =>
      apiRequest('POST', '/orders', { body, headers: { 'Idempotency-Key': 'abc-123' } });

    // Act
    const first = await send(request(validBody()));
    const repeat = await send(request(validBody()));
    const reuse = await send(request({ ...validBody(), customerId: 'someone-else' }));

    // Assess
    expect([first.statusCode, repeat.statusCode, reuse.statusCode]).toEqual([202, 202, 409]);
    expect(JSON.parse(repeat.body)).toEqual(JSON.parse(first.body));
    expect(JSON.parse(reuse.body)).toMatchObject({ error: 'IdempotencyConflict' });
    expect(orders.orders.size).toBe(1);
    expect(orders.outbox).toHaveLength(1);
  });

  it('shows an order with GET /orders/{orderId}, including the reason only when cancelled', async () => {
    // Prepare
    orders.seed(pendingOrder({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED', version: 2 }));

    // Act
    const response = await send(
      apiRequest('GET', '/orders/order-1', { pathParameters: { orderId: 'order-1' } }),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      orderId: 'order-1',
      status: 'CANCELLED',
      reason: 'PAYMENT_DECLINED',
      items: [{ sku: 'SKU-KEYBOARD', name: 'Mechanical keyboard', quantity: 1, unitPrice: 8999 }],
      total: 8999,
      createdAt: '2026-11-01T12:00:00.000Z',
      updatedAt: '2026-11-01T12:00:00.000Z',
    });
  });

  it('answers 404 NotFound for an unknown order', async () => {
    // Act
    const response = await send(apiRequest('GET', '/orders/nope'));

    // Assess
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'NotFound' });
  });

  it('lists products sorted by sku with GET /products', async () => {
    // Act
    const response = await send(apiRequest('GET', '/products'));

    // Assess
    expect(response.statusCode).toBe(200);
    expect((JSON.parse(response.body) as { sku: string }[]).map((product) => product.sku)).toEqual([
      'SKU-CABLE',
      'SKU-KEYBOARD',
      'SKU-MOUSE',
    ]);
  });

  it.each([
    ['an unknown route', 'GET', '/customers', 404, 'NotFound'],
    ['a method the route does not allow', 'DELETE', '/orders/order-1', 405, 'MethodNotAllowed'],
  ])('answers %s with a JSON error', async (_case, method, path, status, error) => {
    // Act
    const response = await send(apiRequest(method, path));

    // Assess
    expect(response.statusCode).toBe(status);
    expect(response.headers?.['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response.body)).toMatchObject({ error });
  });

  it('answers 500 InternalError without leaking what failed', async () => {
    // Prepare
    api = { ...api, listProducts: () => Promise.reject(new Error('secret table name arn:aws:dynamodb:...')) };

    // Act
    const response = await send(apiRequest('GET', '/products'));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ error: 'InternalError' });
    expect(response.headers?.['x-correlation-id']).toBe('api-request-1');
  });
});
