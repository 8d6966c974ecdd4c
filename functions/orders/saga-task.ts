/** The saga state as the ConfirmOrder and CancelOrder tasks receive it (the whole execution state). */
import * as z from 'zod/mini';
import { CancellationReason, OrderId } from '#shared/events/schemas';
import { InvalidTaskInputError } from './domain/errors.ts';

const SagaState = z.looseObject({
  order: z.looseObject({ orderId: OrderId }),
  correlationId: z.string().check(z.minLength(1), z.maxLength(128)),
  causationId: z.string().check(z.minLength(1), z.maxLength(128)),
  failure: z.optional(z.looseObject({ reason: z.optional(CancellationReason) })),
});

export interface SagaTaskInput {
  readonly orderId: string;
  readonly correlationId: string;
  readonly causationId: string;
  /** `failure.reason`, or INTERNAL_ERROR when the saga did not say why. */
  readonly reason: CancellationReason;
}

export const parseSagaState = (input: unknown): SagaTaskInput => {
  const state = SagaState.safeParse(input);
  if (!state.success) {
    const problems = state.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new InvalidTaskInputError(`not an order saga state: ${problems.join('; ')}`);
  }
  return {
    orderId: state.data.order.orderId,
    correlationId: state.data.correlationId,
    causationId: state.data.causationId,
    reason: state.data.failure?.reason ?? 'INTERNAL_ERROR',
  };
};
