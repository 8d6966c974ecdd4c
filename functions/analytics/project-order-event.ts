import { TransientDependencyError } from '#shared/domain/errors';
import { type ProjectedEvent, project } from './domain/order-projection.ts';
import type { ReadModelStore } from './ports.ts';

export interface ProjectOrderEventPorts {
  readonly store: ReadModelStore;
  /** @default 5 (each attempt re-reads the order, so only a hot order loses this many races in a row) */
  readonly maxAttempts?: number;
}

export type ProjectionOutcome = 'applied' | 'ignored';

/**
 * Applies an order event to the ReadModel when it is newer than what the order holds. Idempotent by
 * construction (a duplicate is not newer), so it needs no idempotency record. A lost race is retried by
 * re-reading; after `maxAttempts` the record is retried later by its queue.
 */
export const makeProjectOrderEvent =
  ({ store, maxAttempts = 5 }: ProjectOrderEventPorts) =>
  async (event: ProjectedEvent): Promise<ProjectionOutcome> => {
    const { orderId, sequence } = event.detail.data;
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      const change = project(await store.getOrderSummary(orderId), event);
      if (!change) return 'ignored';
      if ((await store.apply(change)) === 'applied') return 'applied';
    }
    throw new TransientDependencyError(
      `order ${orderId}: lost the race to project sequence ${sequence} ${maxAttempts} times`,
    );
  };
