import { TransientDependencyError } from '#shared/domain/errors';

const TRANSIENT_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionInProgressException',
  'TimeoutError',
]);

/** Cancellation reasons of TransactWriteItems that a retry can cure (as opposed to a failed condition). */
const TRANSIENT_CANCELLATIONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);

interface SdkErrorShape {
  name?: string;
  $metadata?: { httpStatusCode?: number };
  CancellationReasons?: { Code?: string }[];
}

export const cancellationCodes = (error: unknown): (string | undefined)[] =>
  ((error as SdkErrorShape | undefined)?.CancellationReasons ?? []).map((reason) => reason.Code);

export const isTransactionCanceled = (error: unknown): boolean =>
  (error as SdkErrorShape | undefined)?.name === 'TransactionCanceledException';

/** Throttling, 5xx and transaction conflicts: failures that may pass on retry. */
export const isTransientDynamoError = (error: unknown): boolean => {
  const shape = error as SdkErrorShape | undefined;
  if (!shape || typeof shape !== 'object') return false;
  if (shape.name && TRANSIENT_NAMES.has(shape.name)) return true;
  if ((shape.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  return (
    isTransactionCanceled(error) &&
    cancellationCodes(error).some((code) => TRANSIENT_CANCELLATIONS.has(code ?? ''))
  );
};

/** The error to throw for a failed DynamoDB call: TransientDependencyError when a retry may cure it, else the error itself. */
export const translateDynamoError = (operation: string, error: unknown): unknown =>
  isTransientDynamoError(error)
    ? new TransientDependencyError(`DynamoDB ${operation} failed transiently: ${(error as Error).name}`, {
        cause: error,
      })
    : error;

/**
 * Runs a DynamoDB call and renames the failures a retry can cure to TransientDependencyError,
 * the name the saga's Retry matches. Anything else is rethrown as it is.
 */
export const translateTransient = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (error) {
    throw translateDynamoError(operation, error);
  }
};
