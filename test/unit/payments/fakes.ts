import type { PaymentRecord } from '#functions/payments/payment';
import type {
  AuthorizeRequest,
  AuthorizeResponse,
  PaymentGateway,
  RefundRequest,
} from '#functions/payments/payment-gateway';
import type { PaymentStore } from '#functions/payments/payment-store';
import { type GatewayAttempts, SimulatedPaymentGateway } from '#functions/payments/simulated-payment-gateway';

/** The Payments table in memory, with DynamoPaymentStore's conditions. */
export class InMemoryPaymentStore implements PaymentStore {
  private readonly records = new Map<string, PaymentRecord>();
  /** Runs just before a create, to let a test interleave a competing writer. */
  beforeCreate: (() => Promise<void>) | undefined;

  record(orderId: string): PaymentRecord | undefined {
    return this.records.get(orderId);
  }

  async get(orderId: string): Promise<PaymentRecord | undefined> {
    const record = this.records.get(orderId);
    return record && { ...record };
  }

  async create(record: PaymentRecord): Promise<boolean> {
    const hook = this.beforeCreate;
    this.beforeCreate = undefined;
    await hook?.();
    if (this.records.has(record.orderId)) return false;
    this.records.set(record.orderId, { ...record });
    return true;
  }

  async markRefunded(orderId: string): Promise<boolean> {
    const current = this.records.get(orderId);
    if (current?.status !== 'AUTHORIZED') return false;
    this.records.set(orderId, { ...current, status: 'REFUNDED' });
    return true;
  }
}

/** The simulated gateway's attempt counter in memory. */
export class InMemoryGatewayAttempts implements GatewayAttempts {
  private readonly counts = new Map<string, number>();

  async record(idempotencyKey: string): Promise<number> {
    const count = (this.counts.get(idempotencyKey) ?? 0) + 1;
    this.counts.set(idempotencyKey, count);
    return count;
  }
}

/** The simulated gateway, counting what it was asked and what it charged. */
export class CountingGateway implements PaymentGateway {
  readonly authorizations: AuthorizeRequest[] = [];
  /** Approvals the gateway gave: each would be a charge (hold) on the customer's card. */
  readonly charges: string[] = [];
  readonly refunds: RefundRequest[] = [];
  private readonly gateway = new SimulatedPaymentGateway(new InMemoryGatewayAttempts());

  async authorize(request: AuthorizeRequest): Promise<AuthorizeResponse> {
    this.authorizations.push(request);
    const response = await this.gateway.authorize(request);
    if (response.outcome === 'APPROVED') this.charges.push(response.authorizationId);
    return response;
  }

  async refund(request: RefundRequest): Promise<void> {
    this.refunds.push(request);
    await this.gateway.refund(request);
  }
}
