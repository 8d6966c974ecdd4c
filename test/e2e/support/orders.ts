import { expect } from 'vitest';
import { api, eventually, runId } from './harness.ts';

export interface OrderView {
  readonly orderId: string;
  readonly status: 'PENDING' | 'CONFIRMED' | 'CANCELLED';
  readonly reason?: string;
  readonly items: { sku: string; name: string; quantity: number; unitPrice: number }[];
  readonly total: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A valid order body; tests change what they are about. */
export const orderBody = (
  overrides: {
    items?: { sku: string; quantity: number }[];
    paymentToken?: string;
    country?: string;
    customerId?: string;
  } = {},
) => ({
  customerId: overrides.customerId ?? `e2e-${runId()}`,
  items: overrides.items ?? [{ sku: 'SKU-KEYBOARD', quantity: 1 }],
  paymentToken: overrides.paymentToken ?? 'tok_visa',
  shippingAddress: {
    line1: '1 Main Street',
    city: 'Springfield',
    postalCode: '12345',
    country: overrides.country ?? 'US',
  },
});

/** POST /orders; asserts the 202 contract and returns the orderId. */
export const placeOrder = async (
  body: unknown,
  idempotencyKey: string = runId() + runId(),
): Promise<string> => {
  const response = await api('POST', '/orders', { body, headers: { 'Idempotency-Key': idempotencyKey } });
  expect(response.status, JSON.stringify(response.json)).toBe(202);
  const answer = response.json as { orderId: string; status: string };
  expect(answer.status).toBe('PENDING');
  return answer.orderId;
};

/** GET /orders/{id} until the saga settles it. */
export const settledOrder = (orderId: string, timeoutMs = 90_000): Promise<OrderView> =>
  eventually(
    `order ${orderId} to be CONFIRMED or CANCELLED`,
    async () => {
      const response = await api('GET', `/orders/${orderId}`);
      if (response.status !== 200) throw new Error(`GET /orders/${orderId} answered ${response.status}`);
      const order = response.json as OrderView;
      return order.status === 'PENDING' ? undefined : order;
    },
    { timeoutMs, intervalMs: 250 },
  );

/** GET /products as sku -> available. */
export const stock = async (): Promise<Record<string, number>> => {
  const response = await api('GET', '/products');
  expect(response.status).toBe(200);
  return Object.fromEntries(
    (response.json as { sku: string; available: number }[]).map((product) => [
      product.sku,
      product.available,
    ]),
  );
};

/** Units per sku in the given orders. */
export const unitsOf = (orders: readonly OrderView[]): Record<string, number> => {
  const units: Record<string, number> = {};
  for (const order of orders)
    for (const line of order.items) units[line.sku] = (units[line.sku] ?? 0) + line.quantity;
  return units;
};
