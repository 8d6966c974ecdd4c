import type { OrderSummary, ProjectionChange } from './domain/order-projection.ts';

export type ApplyResult = 'applied' | 'conflict';

/** The ReadModel: order summaries and per-status stats. Throws TransientDependencyError on throttling or 5xx. */
export interface ReadModelStore {
  getOrderSummary(orderId: string): Promise<OrderSummary | undefined>;
  /**
   * Writes the summary and the stats deltas in one transaction, only if the summary still holds
   * `change.readSequence` (or does not exist). Returns 'conflict' when another writer got there first.
   */
  apply(change: ProjectionChange): Promise<ApplyResult>;
}
