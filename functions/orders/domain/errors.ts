/**
 * Named errors of the order saga steps. Lambda reports `name` as the errorType, so the saga (and its
 * alarms) can tell them apart from TransientDependencyError, which it retries.
 */

/** The saga asked for a move the order's state machine forbids, such as confirming a CANCELLED order. */
export class IllegalOrderTransitionError extends Error {
  override readonly name = 'IllegalOrderTransitionError';
}

/** The saga named an order that does not exist; the order is always written before its OrderPlaced event. */
export class OrderNotFoundError extends Error {
  override readonly name = 'OrderNotFoundError';
}

/** The task input is not the saga state this step expects. */
export class InvalidTaskInputError extends Error {
  override readonly name = 'InvalidTaskInputError';
}
