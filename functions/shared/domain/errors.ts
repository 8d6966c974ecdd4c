/**
 * Named errors that cross a boundary. Step Functions Retry and Catch match on `name`
 * (Lambda reports it as errorType), so these names are part of the saga's contract.
 */

/** A dependency failed in a way that may succeed on retry: throttling, a timeout, a 5xx. */
export class TransientDependencyError extends Error {
  override readonly name = 'TransientDependencyError';
}

/** The payment gateway could not answer; the saga retries with backoff, then compensates. */
export class PaymentGatewayTransientError extends Error {
  override readonly name = 'PaymentGatewayTransientError';
}

/** A message that can never be processed, whatever the number of retries; it belongs in a DLQ. */
export class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';
}

/** An event type or version this consumer does not understand; refused so it lands in the DLQ. */
export class UnsupportedEventError extends Error {
  override readonly name = 'UnsupportedEventError';
}
