/**
 * The payment provider, behind a port so a real one can replace the simulation.
 * Like real gateways, it is idempotent on `idempotencyKey`: a repeated request is answered with the first
 * answer (the same authorizationId) and never charges twice.
 */

export interface AuthorizeRequest {
  /** The orderId: one authorization per order, however often the step runs. */
  readonly idempotencyKey: string;
  /** Integer cents. */
  readonly amount: number;
  readonly currency: string;
  readonly token: string;
}

export type AuthorizeResponse =
  | { readonly outcome: 'APPROVED'; readonly authorizationId: string }
  | { readonly outcome: 'DECLINED' };

export interface RefundRequest {
  readonly idempotencyKey: string;
  readonly authorizationId: string;
  /** Integer cents. */
  readonly amount: number;
}

export interface PaymentGateway {
  /** Throws PaymentGatewayTransientError when the gateway cannot answer (the saga retries with backoff). */
  authorize(request: AuthorizeRequest): Promise<AuthorizeResponse>;
  /** Releases or refunds an authorization. Throws PaymentGatewayTransientError when the gateway cannot answer. */
  refund(request: RefundRequest): Promise<void>;
}

/** The refund's idempotency key: one refund per order, distinct from the authorization's key. */
export const refundKey = (orderId: string): string => `${orderId}#refund`;
