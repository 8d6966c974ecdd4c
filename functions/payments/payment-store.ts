import type { PaymentRecord } from './payment.ts';

/** One payment record per order (`PAYMENT#<orderId>` in the Payments table). */
export interface PaymentStore {
  /** The order's payment record, read consistently. */
  get(orderId: string): Promise<PaymentRecord | undefined>;

  /** Record an outcome (or a VOID tombstone) only if the order has no record yet; false if it has one. */
  create(record: PaymentRecord, at: Date): Promise<boolean>;

  /** AUTHORIZED -> REFUNDED; false, with nothing written, if the record is not AUTHORIZED any more. */
  markRefunded(orderId: string, at: Date): Promise<boolean>;
}
