import type { Order } from '#functions/orders/domain/order';
import type {
  AddOrderResult,
  Catalog,
  ChangeOrderResult,
  NewOrder,
  OrderChange,
  OrderRepository,
  Product,
} from '#functions/orders/ports';
import type { DomainEvent } from '#shared/events/schemas';

/**
 * An order store with the semantics of the DynamoDB adapter: each write is all-or-nothing, a live
 * Idempotency-Key claim blocks a second order, and a change needs the order PENDING at the read version.
 */
export class InMemoryOrderRepository implements OrderRepository {
  readonly orders = new Map<string, Order>();
  /** The outbox: every event written with an order change, in write order. */
  readonly outbox: DomainEvent[] = [];
  readonly claims = new Map<string, { requestHash: string; orderId: string; expiresAt: Date }>();
  private contended = 0;
  private staleChanges = 0;

  /** The next `times` writes lose a race with a concurrent transaction. */
  contendNext(times = 1): void {
    this.contended = times;
  }

  /** The next `times` changes find the order moved since it was read. */
  staleNext(times = 1): void {
    this.staleChanges = times;
  }

  seed(order: Order): void {
    this.orders.set(order.orderId, order);
  }

  async add({ order, event, idempotency, now }: NewOrder): Promise<AddOrderResult> {
    if (this.contended > 0) {
      this.contended -= 1;
      return { kind: 'Contended' };
    }
    if (idempotency) {
      const claim = this.claims.get(idempotency.id);
      if (claim && claim.expiresAt.getTime() >= now.getTime()) {
        return { kind: 'KeyInUse', existing: { requestHash: claim.requestHash, orderId: claim.orderId } };
      }
      this.claims.set(idempotency.id, {
        requestHash: idempotency.requestHash,
        orderId: order.orderId,
        expiresAt: idempotency.expiresAt,
      });
    }
    this.orders.set(order.orderId, order);
    this.outbox.push(event);
    return { kind: 'Added' };
  }

  async change(change: OrderChange): Promise<ChangeOrderResult> {
    const order = this.orders.get(change.orderId);
    if (this.staleChanges > 0) {
      this.staleChanges -= 1;
      return { kind: 'Stale' };
    }
    if (order?.status !== 'PENDING' || order.version !== change.expectedVersion) return { kind: 'Stale' };
    this.orders.set(order.orderId, {
      ...order,
      status: change.status,
      ...(change.reason ? { reason: change.reason } : {}),
      updatedAt: change.updatedAt,
      version: change.expectedVersion + 1,
    });
    this.outbox.push(change.event);
    return { kind: 'Changed' };
  }

  async get(orderId: string): Promise<Order | undefined> {
    return this.orders.get(orderId);
  }
}

export class InMemoryCatalog implements Catalog {
  readonly lookups: string[][] = [];
  constructor(private readonly products: readonly Product[]) {}

  async findBySkus(skus: readonly string[]): Promise<ReadonlyMap<string, Product>> {
    this.lookups.push([...skus]);
    return new Map(
      this.products.filter((product) => skus.includes(product.sku)).map((product) => [product.sku, product]),
    );
  }

  async listAll(): Promise<readonly Product[]> {
    return this.products;
  }
}
