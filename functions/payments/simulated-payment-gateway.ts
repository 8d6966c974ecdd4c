import { createHash } from 'node:crypto';
import { PaymentGatewayTransientError } from '#shared/domain/errors';
import type {
  AuthorizeRequest,
  AuthorizeResponse,
  PaymentGateway,
  RefundRequest,
} from './payment-gateway.ts';

/**
 * How many times the gateway was asked to authorize one idempotency key. It must survive across Lambda
 * execution environments (tok_flaky's retries land anywhere), so the deployed one is a DynamoDB counter.
 */
export interface GatewayAttempts {
  /** Count one more attempt for the key and return the count so far (1 on the first attempt). */
  record(idempotencyKey: string): Promise<number>;
}

/** The test tokens of the simulated gateway (see DESIGN.md, Order API). Any other token is declined. */
export const TestTokens = {
  approved: 'tok_visa',
  declined: 'tok_declined',
  /** Fails transiently on the first FLAKY_FAILURES attempts for an order, then is approved. */
  flaky: 'tok_flaky',
  /** Always fails transiently, so the saga runs out of retries and compensates. */
  error: 'tok_error',
} as const;

export const FLAKY_FAILURES = 2;

/** The same authorizationId for the same idempotency key, as an idempotent gateway answers. */
export const authorizationIdFor = (idempotencyKey: string): string =>
  `auth_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`;

/**
 * A payment gateway whose answers are set by the token. It holds no money, so an authorization is identified
 * by its deterministic authorizationId: asking again for the same key is the same single charge.
 */
export class SimulatedPaymentGateway implements PaymentGateway {
  constructor(private readonly attempts: GatewayAttempts) {}

  async authorize(request: AuthorizeRequest): Promise<AuthorizeResponse> {
    const attempt = await this.attempts.record(request.idempotencyKey);
    switch (request.token) {
      case TestTokens.approved:
        return this.approve(request);
      case TestTokens.flaky:
        if (attempt <= FLAKY_FAILURES) {
          throw new PaymentGatewayTransientError(
            `simulated gateway timeout for ${TestTokens.flaky} (attempt ${attempt} of ${FLAKY_FAILURES} failing)`,
          );
        }
        return this.approve(request);
      case TestTokens.error:
        throw new PaymentGatewayTransientError(
          `simulated gateway outage for ${TestTokens.error} (attempt ${attempt})`,
        );
      default:
        return { outcome: 'DECLINED' };
    }
  }

  async refund(_request: RefundRequest): Promise<void> {
    // Nothing is held by the simulation, so every refund succeeds (and a repeat is the same refund).
  }

  private approve(request: AuthorizeRequest): AuthorizeResponse {
    return { outcome: 'APPROVED', authorizationId: authorizationIdFor(request.idempotencyKey) };
  }
}
