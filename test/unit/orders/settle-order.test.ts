import { beforeEach, describe, expect, it } from 'vitest';
import { makeCancelOrder, makeConfirmOrder } from '#functions/orders/use-cases/settle-order';
import { deterministicEventId } from '#shared/events/envelope';
import type { DomainEvent } from '#shared/events/schemas';
import { FixedClock } from '../../fixtures/clock.ts';
import { pendingOrder } from './builders.ts';
import { InMemoryOrderRepository } from './fakes.ts';

const causation = { orderId: 'order-1', correlationId: 'corr-1', causationId: 'placed-event-1' };

describe('settling an order', () => {
  let orders: InMemoryOrderRepository;
  let clock: FixedClock;

  beforeEach(() => {
    orders = new InMemoryOrderRepository();
    orders.seed(pendingOrder());
    clock = new FixedClock(new Date('2026-11-01T12:05:00.000Z'));
  });

  describe('confirm', () => {
    it('confirms a pending order and writes OrderConfirmed with the next sequence and a deterministic eventId', async () => {
      // Act
      const result = await makeConfirmOrder({ orders, clock })(causation);

      // Assess
      expect(result.kind).toBe('Settled');
      expect(orders.orders.get('order-1')).toMatchObject({
        status: 'CONFIRMED',
        version: 2,
        updatedAt: '2026-11-01T12:05:00.000Z',
      });
      expect(orders.outbox).toHaveLength(1);
      const event = orders.outbox[0] as DomainEvent<'OrderConfirmed'>;
      expect(event.detailType).toBe('OrderConfirmed');
      expect(event.detail.metadata).toMatchObject({
        eventId: deterministicEventId('order-1', 'OrderConfirmed'),
        correlationId: 'corr-1',
        causationId: 'placed-event-1',
      });
      expect(event.detail.data).toEqual({
        orderId: 'order-1',
        customerId: 'customer-42',
        sequence: 2,
        total: 8999,
        currency: 'USD',
        status: 'CONFIRMED',
      });
    });

    it('succeeds on a duplicate confirm without emitting a second event', async () => {
      // Prepare
      const confirm = makeConfirmOrder({ orders, clock });
      await confirm(causation);

      // Act
      const again = await confirm(causation);

      // Assess
      expect(again.kind).toBe('AlreadySettled');
      expect(orders.outbox).toHaveLength(1);
      expect(orders.orders.get('order-1')?.version).toBe(2);
    });

    it('refuses to confirm a cancelled order and changes nothing', async () => {
      // Prepare
      orders.seed(pendingOrder({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED', version: 2 }));

      // Act
      const result = await makeConfirmOrder({ orders, clock })(causation);

      // Assess
      expect(result.kind).toBe('IllegalTransition');
      expect(orders.orders.get('order-1')?.status).toBe('CANCELLED');
      expect(orders.outbox).toHaveLength(0);
    });

    it('reads the order again when it changed between read and write', async () => {
      // Prepare
      orders.staleNext(1);

      // Act
      const result = await makeConfirmOrder({ orders, clock })(causation);

      // Assess
      expect(result.kind).toBe('Settled');
      expect(orders.outbox).toHaveLength(1);
    });

    it('reports an order that does not exist', async () => {
      // Act
      const result = await makeConfirmOrder({ orders, clock })({ ...causation, orderId: 'order-404' });

      // Assess
      expect(result).toEqual({ kind: 'NotFound' });
    });
  });

  describe('cancel', () => {
    it('cancels a pending order with its reason and writes OrderCancelled carrying it', async () => {
      // Act
      const result = await makeCancelOrder({ orders, clock })({
        ...causation,
        reason: 'SHIPPING_UNAVAILABLE',
      });

      // Assess
      expect(result.kind === 'Settled' && result.order.reason).toBe('SHIPPING_UNAVAILABLE');
      expect(orders.orders.get('order-1')).toMatchObject({
        status: 'CANCELLED',
        reason: 'SHIPPING_UNAVAILABLE',
        version: 2,
      });
      const event = orders.outbox[0] as DomainEvent<'OrderCancelled'>;
      expect(event.detail.metadata.eventId).toBe(deterministicEventId('order-1', 'OrderCancelled'));
      expect(event.detail.data).toMatchObject({
        status: 'CANCELLED',
        reason: 'SHIPPING_UNAVAILABLE',
        sequence: 2,
      });
    });

    it('succeeds on a duplicate cancel without a second event, keeping the first reason', async () => {
      // Prepare
      const cancel = makeCancelOrder({ orders, clock });
      await cancel({ ...causation, reason: 'OUT_OF_STOCK' });

      // Act
      const again = await cancel({ ...causation, reason: 'INTERNAL_ERROR' });

      // Assess
      expect(again.kind === 'AlreadySettled' && again.order.reason).toBe('OUT_OF_STOCK');
      expect(orders.outbox).toHaveLength(1);
    });

    it('refuses to cancel a confirmed order', async () => {
      // Prepare
      orders.seed(pendingOrder({ status: 'CONFIRMED', version: 2 }));

      // Act
      const result = await makeCancelOrder({ orders, clock })({ ...causation, reason: 'INTERNAL_ERROR' });

      // Assess
      expect(result.kind).toBe('IllegalTransition');
      expect(orders.outbox).toHaveLength(0);
    });
  });
});
