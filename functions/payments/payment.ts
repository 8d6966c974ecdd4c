/** Payments: the domain of the AuthorizePayment step and its RefundPayment compensation. */

/**
 * AUTHORIZED / DECLINED: the gateway's answer, recorded once per order.
 * REFUNDED: authorized, then refunded by the compensation.
 * VOID: a tombstone written by a refund that found nothing to refund, so a late authorization cannot charge.
 */
export type PaymentRecord =
  | {
      readonly orderId: string;
      readonly status: 'AUTHORIZED' | 'REFUNDED';
      readonly amount: number;
      readonly currency: string;
      readonly authorizationId: string;
    }
  | {
      readonly orderId: string;
      readonly status: 'DECLINED';
      readonly amount: number;
      readonly currency: string;
    }
  | { readonly orderId: string; readonly status: 'VOID' };

export type PaymentStatus = PaymentRecord['status'];
