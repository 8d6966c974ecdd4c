import type { Order } from '#functions/orders/domain/order';
import type { Product } from '#functions/orders/ports';

export const PRODUCTS: readonly Product[] = [
  { sku: 'SKU-MOUSE', name: 'Wireless mouse', price: 2999, available: 150 },
  { sku: 'SKU-KEYBOARD', name: 'Mechanical keyboard', price: 8999, available: 100 },
  { sku: 'SKU-CABLE', name: 'USB-C cable', price: 1299, available: 500 },
];

/** A request body that passes every rule; tests change one field at a time. */
export const validBody = () => ({
  customerId: 'customer-42',
  items: [
    { sku: 'SKU-KEYBOARD', quantity: 1 },
    { sku: 'SKU-CABLE', quantity: 3 },
  ],
  paymentToken: 'tok_visa',
  shippingAddress: { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'US' },
});

export const pendingOrder = (overrides: Partial<Order> = {}): Order => ({
  orderId: 'order-1',
  customerId: 'customer-42',
  status: 'PENDING',
  items: [{ sku: 'SKU-KEYBOARD', name: 'Mechanical keyboard', quantity: 1, unitPrice: 8999 }],
  total: 8999,
  currency: 'USD',
  shippingAddress: { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'US' },
  createdAt: '2026-11-01T12:00:00.000Z',
  updatedAt: '2026-11-01T12:00:00.000Z',
  version: 1,
  correlationId: 'corr-1',
  ...overrides,
});
