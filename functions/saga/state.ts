/**
 * The saga state: what the SagaStarter hands Step Functions, and what each task Lambda reads back.
 *
 * Tasks run with payloadResponseOnly, so a task's event is the whole state (the execution input plus the
 * results of the earlier steps) and its return value lands at the task's ResultPath. Each step reads only
 * the order fields it needs and passes the rest through unread, so adding a field never breaks a step.
 */
import * as z from 'zod/mini';
import {
  Cents,
  CURRENCY,
  CustomerId,
  OrderId,
  PricedLine,
  ShippingAddress,
  Sku,
} from '#shared/events/schemas';

/**
 * The state a step received cannot be read. Retrying cannot fix it, so the name is not one the saga's Retry
 * matches: a forward step goes straight to its Catch, a compensation to CompensationFailed (alarmed).
 */
export class MalformedSagaStateError extends Error {
  override readonly name = 'MalformedSagaStateError';
}

const causation = {
  correlationId: z.string().check(z.minLength(1), z.maxLength(128)),
  causationId: z.string().check(z.minLength(1), z.maxLength(128)),
};

/** The order as the saga carries it: the OrderPlaced data the steps need, nothing else. */
export const SagaOrder = z.strictObject({
  orderId: OrderId,
  customerId: CustomerId,
  items: z.array(PricedLine).check(z.minLength(1)),
  total: Cents,
  currency: z.literal(CURRENCY),
  paymentToken: z.string().check(z.minLength(1)),
  shippingAddress: ShippingAddress,
});
export type SagaOrder = z.infer<typeof SagaOrder>;

/** The execution input: the order, the correlation id of the request, and the OrderPlaced eventId as causation. */
export const SagaInput = z.strictObject({ order: SagaOrder, ...causation });
export type SagaInput = z.infer<typeof SagaInput>;

/** One order line as a stock step reads it: sku and quantity (name and price pass through). */
export const SagaOrderLine = z.looseObject({ sku: Sku, quantity: z.int().check(z.positive()) });

/**
 * A step's schema of the state: `orderId`, the causation, and the order fields in `order`.
 * Everything else in the state passes through unvalidated.
 */
export const sagaState = <TOrder extends z.core.$ZodShape>(order: TOrder) =>
  z.looseObject({ order: z.looseObject({ orderId: OrderId, ...order }), ...causation });

/** What every step's state has, whatever else its schema reads. */
export interface SagaStateBase {
  readonly order: { readonly orderId: string };
  readonly correlationId: string;
  readonly causationId: string;
}

const describeIssues = (issues: readonly { path: PropertyKey[]; message: string }[]): string =>
  issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`).join('; ');

/** Validate the state a step received; throws MalformedSagaStateError naming the wrong fields. */
export const parseSagaState = <T>(schema: z.ZodMiniType<T>, state: unknown, step: string): T => {
  const result = schema.safeParse(state);
  if (!result.success) {
    throw new MalformedSagaStateError(
      `${step} cannot read its state: ${describeIssues(result.error.issues)}`,
    );
  }
  return result.data;
};

/** The causation a step's events carry: the request's correlation id, caused by the OrderPlaced event. */
export const causationOf = (state: SagaStateBase) => ({
  correlationId: state.correlationId,
  causationId: state.causationId,
});
