/**
 * Every path through the order saga, end to end: the synthesized state machine definition (the ASL CDK
 * deploys) runs in aws-local-stepfunctions, and each task is the real saga step (validation, use case,
 * events) over in-memory stores. So these tests fail if either the ASL or a use case breaks a path.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReleaseInventoryState } from '#functions/inventory/release-handler';
import { makeReleaseInventory } from '#functions/inventory/release-inventory';
import { ReserveInventoryState } from '#functions/inventory/reserve-handler';
import { makeReserveInventory } from '#functions/inventory/reserve-inventory';
import { makeCancelHandler } from '#functions/orders/cancel-handler';
import { makeConfirmHandler } from '#functions/orders/confirm-handler';
import { makeCancelOrder, makeConfirmOrder } from '#functions/orders/use-cases/settle-order';
import { AuthorizePaymentState } from '#functions/payments/authorize-handler';
import { makeAuthorizePayment } from '#functions/payments/authorize-payment';
import { RefundPaymentState } from '#functions/payments/refund-handler';
import { makeRefundPayment } from '#functions/payments/refund-payment';
import { makeSagaStep } from '#functions/saga/step-handler';
import { CancelShipmentState } from '#functions/shipping/cancel-handler';
import { makeCancelShipment } from '#functions/shipping/cancel-shipment';
import { CreateShipmentState } from '#functions/shipping/create-handler';
import { makeCreateShipment } from '#functions/shipping/create-shipment';
import { TransientDependencyError } from '#shared/domain/errors';
import type { EventType } from '#shared/events/schemas';
import { FixedClock } from '../../fixtures/clock.ts';
import { RecordingPublisher } from '../../fixtures/event-publisher.ts';
import { lambdaContext } from '../../fixtures/lambda-context.ts';
import {
  type Asl,
  resolveDefinition,
  stateMachineOf,
  synthesizeOrderflow,
} from '../../infra/support/orderflow-app.ts';
import { InMemoryInventoryStore } from '../inventory/in-memory-inventory-store.ts';
import { pendingOrder } from '../orders/builders.ts';
import { InMemoryOrderRepository } from '../orders/fakes.ts';
import { CountingGateway, InMemoryPaymentStore } from '../payments/fakes.ts';
import { CountingCarrier, InMemoryShipmentStore } from '../shipping/fakes.ts';

const STOCK = { 'SKU-KEYBOARD': 10, 'SKU-CABLE': 20 };
const causation = (state: { correlationId: string; causationId: string }) => ({
  correlationId: state.correlationId,
  causationId: state.causationId,
});

type Handler = (input: unknown) => Promise<unknown>;

/** One saga world: the stores, the gateway, the carrier, the bus and the tasks wired to them. */
const world = () => {
  const clock = new FixedClock();
  const inventory = new InMemoryInventoryStore(STOCK);
  const payments = new InMemoryPaymentStore();
  const gateway = new CountingGateway();
  const shipments = new InMemoryShipmentStore();
  const carrier = new CountingCarrier();
  const orders = new InMemoryOrderRepository();
  const bus = new RecordingPublisher();
  const visited: string[] = [];
  const faults: Partial<Record<string, (input: unknown) => Promise<void>>> = {};

  const reserve = makeReserveInventory({ inventory, publisher: bus, clock });
  const release = makeReleaseInventory({ inventory, publisher: bus, clock });
  const authorize = makeAuthorizePayment({ payments, gateway, publisher: bus, clock });
  const refund = makeRefundPayment({ payments, gateway, publisher: bus, clock });
  const ship = makeCreateShipment({ shipments, carrier, publisher: bus, clock });
  const unship = makeCancelShipment({ shipments, carrier, publisher: bus, clock });
  const confirm = makeConfirmHandler(() => makeConfirmOrder({ orders, clock }));
  const cancel = makeCancelHandler(() => makeCancelOrder({ orders, clock }));

  const tasks: Record<string, Handler> = {
    ReserveInventory: makeSagaStep({
      step: 'ReserveInventory',
      schema: ReserveInventoryState,
      run: (s) => reserve({ orderId: s.order.orderId, items: s.order.items, causation: causation(s) }),
    }),
    AuthorizePayment: makeSagaStep({
      step: 'AuthorizePayment',
      schema: AuthorizePaymentState,
      run: (s) =>
        authorize({
          orderId: s.order.orderId,
          customerId: s.order.customerId,
          amount: s.order.total,
          currency: s.order.currency,
          paymentToken: s.order.paymentToken,
          causation: causation(s),
        }),
    }),
    CreateShipment: makeSagaStep({
      step: 'CreateShipment',
      schema: CreateShipmentState,
      run: (s) =>
        ship({
          orderId: s.order.orderId,
          customerId: s.order.customerId,
          shippingAddress: s.order.shippingAddress,
          causation: causation(s),
        }),
    }),
    ConfirmOrder: (input) => confirm(input, lambdaContext()),
    CancelShipment: makeSagaStep({
      step: 'CancelShipment',
      schema: CancelShipmentState,
      run: (s) => unship({ orderId: s.order.orderId, causation: causation(s) }),
    }),
    RefundPayment: makeSagaStep({
      step: 'RefundPayment',
      schema: RefundPaymentState,
      run: (s) => refund({ orderId: s.order.orderId, causation: causation(s) }),
    }),
    ReleaseInventory: makeSagaStep({
      step: 'ReleaseInventory',
      schema: ReleaseInventoryState,
      run: (s) => release({ orderId: s.order.orderId, causation: causation(s) }),
    }),
    CancelOrder: (input) => cancel(input, lambdaContext()),
    CancelUnconfirmedOrder: (input) => cancel(input, lambdaContext()),
  };

  /** Runs one execution of the saga; returns its output, or the error it failed with. */
  const run = async (asl: Asl, input: unknown) => {
    const handlers = Object.fromEntries(
      Object.entries(tasks).map(([name, task]) => [
        name,
        async (taskInput: unknown) => {
          visited.push(name);
          await faults[name]?.(taskInput);
          return (await task(taskInput)) as never;
        },
      ]),
    );
    // Retries wait no time here; their count and matching are what is under test.
    const noWait = Object.fromEntries(Object.keys(tasks).map((name) => [name, 0]));
    const machine = new StateMachine(asl as never, {
      validationOptions: { checkArn: false, checkPaths: false },
    });
    const execution = machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides: noWait },
    });
    try {
      return { output: (await execution.result) as Record<string, unknown> };
    } catch (error) {
      return { error: error as Error };
    }
  };

  const unitsIn = (orderStatus: string) =>
    [...orders.orders.values()]
      .filter((order) => order.status === orderStatus)
      .flatMap((order) => order.items)
      .reduce<Record<string, number>>((units, line) => {
        units[line.sku] = (units[line.sku] ?? 0) + line.quantity;
        return units;
      }, {});

  /** DESIGN.md: stock at the start = stock now + units in CONFIRMED orders, whatever happened. */
  const stockIsConserved = () => {
    const confirmed = unitsIn('CONFIRMED');
    for (const [sku, initial] of Object.entries(STOCK)) {
      expect((inventory.available(sku) ?? Number.NaN) + (confirmed[sku] ?? 0), sku).toBe(initial);
    }
  };

  const events = () => bus.published.map((event) => event.detailType as EventType);
  return {
    orders,
    inventory,
    gateway,
    carrier,
    payments,
    shipments,
    bus,
    visited,
    faults,
    run,
    events,
    stockIsConserved,
  };
};

const ORDER_ID = 'order-1';

/** The saga input as the SagaStarter builds it from OrderPlaced. */
const sagaInput = (overrides: { paymentToken?: string; country?: string; quantity?: number } = {}) => ({
  order: {
    orderId: ORDER_ID,
    customerId: 'customer-42',
    items: [
      {
        sku: 'SKU-KEYBOARD',
        name: 'Mechanical keyboard',
        quantity: overrides.quantity ?? 2,
        unitPrice: 8999,
      },
      { sku: 'SKU-CABLE', name: 'USB-C cable', quantity: 1, unitPrice: 1299 },
    ],
    total: 8999 * (overrides.quantity ?? 2) + 1299,
    currency: 'USD',
    paymentToken: overrides.paymentToken ?? 'tok_visa',
    shippingAddress: {
      line1: '1 Main Street',
      city: 'Springfield',
      postalCode: '12345',
      country: overrides.country ?? 'US',
    },
  },
  correlationId: 'corr-1',
  causationId: 'order-placed-event-1',
});

/** A world with the order placed (PENDING), as the Order API leaves it before the saga starts. */
const placedWorld = (quantity = 2) => {
  const w = world();
  w.orders.seed(
    pendingOrder({
      orderId: ORDER_ID,
      items: [
        { sku: 'SKU-KEYBOARD', name: 'Mechanical keyboard', quantity, unitPrice: 8999 },
        { sku: 'SKU-CABLE', name: 'USB-C cable', quantity: 1, unitPrice: 1299 },
      ],
      total: 8999 * quantity + 1299,
    }),
  );
  return w;
};

describe('order saga paths (synthesized ASL, real saga steps, in-memory stores)', () => {
  let asl: Asl;

  beforeAll(() => {
    asl = resolveDefinition(stateMachineOf(synthesizeOrderflow().processingTemplate));
  });

  it('confirms an order with a good card: reserve, authorize, ship, confirm', async () => {
    // Prepare
    const w = placedWorld();

    // Act
    const { output, error } = await w.run(asl, sagaInput());

    // Assess
    expect(error).toBeUndefined();
    expect(w.visited).toEqual(['ReserveInventory', 'AuthorizePayment', 'CreateShipment', 'ConfirmOrder']);
    expect(output?.confirmation).toEqual({ status: 'CONFIRMED' });
    expect(w.orders.orders.get(ORDER_ID)?.status).toBe('CONFIRMED');
    expect(w.inventory.available('SKU-KEYBOARD')).toBe(8);
    expect(w.gateway.charges).toHaveLength(1);
    expect(w.events()).toEqual(['InventoryReserved', 'PaymentAuthorized', 'OrderShipped']);
    expect(w.orders.outbox.map((event) => event.detailType)).toEqual(['OrderConfirmed']);
    w.stockIsConserved();
  });

  it('cancels with PAYMENT_DECLINED and releases the stock when the card is declined', async () => {
    const w = placedWorld();

    const { error } = await w.run(asl, sagaInput({ paymentToken: 'tok_declined' }));

    expect(error).toBeUndefined();
    expect(w.visited).toEqual([
      'ReserveInventory',
      'AuthorizePayment',
      'RefundPayment',
      'ReleaseInventory',
      'CancelOrder',
    ]);
    expect(w.orders.orders.get(ORDER_ID)).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED' });
    expect(w.gateway.charges).toHaveLength(0);
    expect(w.gateway.refunds).toHaveLength(0);
    expect(w.events()).toEqual(['InventoryReserved', 'PaymentFailed', 'InventoryReleased']);
    w.stockIsConserved();
  });

  it('retries a flaky gateway twice and then confirms with a single charge', async () => {
    const w = placedWorld();

    const { error } = await w.run(asl, sagaInput({ paymentToken: 'tok_flaky' }));

    expect(error).toBeUndefined();
    expect(w.visited.filter((name) => name === 'AuthorizePayment')).toHaveLength(3);
    expect(w.orders.orders.get(ORDER_ID)?.status).toBe('CONFIRMED');
    expect(w.gateway.charges).toHaveLength(1);
    w.stockIsConserved();
  });

  it('cancels with PAYMENT_DECLINED once the retries of a gateway that always errors run out', async () => {
    const w = placedWorld();

    const { output, error } = await w.run(asl, sagaInput({ paymentToken: 'tok_error' }));

    expect(error).toBeUndefined();
    expect(w.visited.filter((name) => name === 'AuthorizePayment')).toHaveLength(4);
    expect((output?.error as { Error?: string } | undefined)?.Error).toBe('PaymentGatewayTransientError');
    expect(w.orders.orders.get(ORDER_ID)).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED' });
    expect(w.gateway.charges).toHaveLength(0);
    w.stockIsConserved();
  });

  it('cancels with OUT_OF_STOCK without touching payment or shipping when stock is short', async () => {
    const w = placedWorld(11);

    const { error } = await w.run(asl, sagaInput({ quantity: 11 }));

    expect(error).toBeUndefined();
    expect(w.visited).toEqual(['ReserveInventory', 'ReleaseInventory', 'CancelOrder']);
    expect(w.orders.orders.get(ORDER_ID)).toMatchObject({ status: 'CANCELLED', reason: 'OUT_OF_STOCK' });
    expect(w.gateway.authorizations).toHaveLength(0);
    expect(w.carrier.bookings).toHaveLength(0);
    expect(w.events()).toEqual(['InventoryReservationFailed']);
    w.stockIsConserved();
  });

  it('runs the full compensation when shipping is unavailable: refund, release, cancel', async () => {
    const w = placedWorld();

    const { error } = await w.run(asl, sagaInput({ country: 'XX' }));

    expect(error).toBeUndefined();
    expect(w.visited).toEqual([
      'ReserveInventory',
      'AuthorizePayment',
      'CreateShipment',
      'CancelShipment',
      'RefundPayment',
      'ReleaseInventory',
      'CancelOrder',
    ]);
    expect(w.orders.orders.get(ORDER_ID)).toMatchObject({
      status: 'CANCELLED',
      reason: 'SHIPPING_UNAVAILABLE',
    });
    expect(w.gateway.charges).toHaveLength(1);
    expect(w.gateway.refunds).toHaveLength(1);
    expect(w.events()).toEqual([
      'InventoryReserved',
      'PaymentAuthorized',
      'ShipmentFailed',
      'PaymentRefunded',
      'InventoryReleased',
    ]);
    w.stockIsConserved();
  });

  it('undoes every step with INTERNAL_ERROR when the confirmation keeps failing', async () => {
    const w = placedWorld();
    w.faults.ConfirmOrder = async () => {
      throw new TransientDependencyError('Orders table unavailable');
    };

    const { error } = await w.run(asl, sagaInput());

    expect(error).toBeUndefined();
    expect(w.visited.filter((name) => name === 'ConfirmOrder')).toHaveLength(4);
    expect(w.visited.slice(-5)).toEqual([
      'CancelUnconfirmedOrder',
      'CancelShipment',
      'RefundPayment',
      'ReleaseInventory',
      'CancelOrder',
    ]);
    expect(w.orders.orders.get(ORDER_ID)).toMatchObject({ status: 'CANCELLED', reason: 'INTERNAL_ERROR' });
    expect(w.gateway.refunds).toHaveLength(1);
    expect(w.orders.outbox.map((event) => event.detailType)).toEqual(['OrderCancelled']);
    w.stockIsConserved();
  });

  it('keeps a confirmation that committed before its task failed, and undoes nothing', async () => {
    const w = placedWorld();
    const confirmed = makeConfirmHandler(() =>
      makeConfirmOrder({ orders: w.orders, clock: new FixedClock() }),
    );
    // The write commits, then the task fails every time (a timeout after the write).
    w.faults.ConfirmOrder = async (input) => {
      await confirmed(input, lambdaContext());
      throw new TransientDependencyError('timed out after the write');
    };

    const { error } = await w.run(asl, sagaInput());

    expect(error).toBeUndefined();
    expect(w.visited.slice(-1)).toEqual(['CancelUnconfirmedOrder']);
    expect(w.orders.orders.get(ORDER_ID)?.status).toBe('CONFIRMED');
    expect(w.gateway.refunds).toHaveLength(0);
    expect(w.orders.outbox.map((event) => event.detailType)).toEqual(['OrderConfirmed']);
    w.stockIsConserved();
  });

  it('fails the execution, for the alarm, when a compensation keeps failing', async () => {
    const w = placedWorld();
    w.faults.ReleaseInventory = async () => {
      throw new TransientDependencyError('Inventory table unavailable');
    };

    const { error } = await w.run(asl, sagaInput({ paymentToken: 'tok_declined' }));

    // aws-local-stepfunctions wraps the Fail state's error as the cause of its ExecutionError.
    expect((error?.cause as Error | undefined)?.name).toBe('CompensationFailed');
    expect(w.visited.at(-1)).toBe('ReleaseInventory');
    expect(w.orders.orders.get(ORDER_ID)?.status).toBe('PENDING');
  });

  it('never reserves, charges or ships twice when the same saga runs twice (a duplicate start)', async () => {
    const w = placedWorld();

    await w.run(asl, sagaInput());
    const { error } = await w.run(asl, sagaInput());

    expect(error).toBeUndefined();
    expect(w.orders.orders.get(ORDER_ID)?.status).toBe('CONFIRMED');
    expect(w.inventory.available('SKU-KEYBOARD')).toBe(8);
    expect(w.gateway.charges).toHaveLength(1);
    expect(w.carrier.bookings.length).toBeLessThanOrEqual(2);
    expect(w.shipments.record(ORDER_ID)?.status).toBe('CREATED');
    expect(w.orders.outbox.map((event) => event.detailType)).toEqual(['OrderConfirmed']);
    w.stockIsConserved();
  });
});
