import type { OrderSummary, ProjectionChange } from '#functions/analytics/domain/order-projection';
import type { ApplyResult, ReadModelStore } from '#functions/analytics/ports';
import type { OrderStatus } from '#shared/events/schemas';

interface StatusStats {
  orders: number;
  revenue: number;
}

/**
 * The ReadModel in memory, enforcing what DynamoDB would: the transaction is all-or-nothing, it may not
 * touch one item twice, and the summary write is conditional on `attribute_not_exists(pk) OR sequence = :read`.
 */
export class InMemoryReadModelStore implements ReadModelStore {
  private readonly summaries = new Map<string, OrderSummary>();
  private readonly stats = new Map<OrderStatus, StatusStats>();
  private interference: (() => Promise<void>) | undefined;
  applyCalls = 0;

  /** Runs `write` (another projector's write) just before the next apply, after this one has read. */
  interfereBeforeNextApply(write: () => Promise<void>): void {
    this.interference = write;
  }

  async getOrderSummary(orderId: string): Promise<OrderSummary | undefined> {
    const summary = this.summaries.get(orderId);
    return summary && structuredClone(summary);
  }

  async apply(change: ProjectionChange): Promise<ApplyResult> {
    this.applyCalls += 1;
    const interference = this.interference;
    this.interference = undefined;
    await interference?.();

    const statuses = change.stats.map((delta) => delta.status);
    if (new Set(statuses).size !== statuses.length) {
      throw new Error(
        'ValidationException: Transaction request cannot include multiple operations on one item',
      );
    }
    const current = this.summaries.get(change.summary.orderId);
    if (current && current.sequence !== change.readSequence) return 'conflict';

    this.summaries.set(change.summary.orderId, structuredClone(change.summary));
    for (const delta of change.stats) {
      const held = this.stats.get(delta.status) ?? { orders: 0, revenue: 0 };
      this.stats.set(delta.status, {
        orders: held.orders + delta.orders,
        revenue: held.revenue + delta.revenue,
      });
    }
    return 'applied';
  }

  summary(orderId: string): OrderSummary | undefined {
    return this.summaries.get(orderId);
  }

  /** A status's stats; an absent item reads as zero, as a dashboard would show it. */
  statsOf(status: OrderStatus): StatusStats {
    return this.stats.get(status) ?? { orders: 0, revenue: 0 };
  }

  /** Everything, with absent and zero stats treated alike, to compare two stores. */
  snapshot() {
    const statuses: OrderStatus[] = ['PENDING', 'CONFIRMED', 'CANCELLED'];
    return {
      summaries: Object.fromEntries([...this.summaries].sort(([a], [b]) => a.localeCompare(b))),
      stats: Object.fromEntries(statuses.map((status) => [status, this.statsOf(status)])),
    };
  }
}
