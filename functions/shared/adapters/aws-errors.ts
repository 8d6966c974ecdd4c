/**
 * Which AWS failures a retry may cure. Adapters turn those into TransientDependencyError, the one name that
 * SQS redelivery and the saga's Retry are built around; anything else (validation, access denied, a missing
 * table) is rethrown as it is, because retrying cannot help.
 */
import { TransientDependencyError } from '../domain/errors.ts';

/** Error names of AWS services (and the SDK) that a retry may cure. */
const TRANSIENT_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'KMSThrottlingException',
  'InternalServerError',
  'InternalErrorException',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TransactionConflictException',
  'TransactionInProgressException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** TransactWriteItems cancellation reasons that a retry can cure, as opposed to a failed condition. */
const TRANSIENT_CANCELLATIONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);

/** Socket errors of a dropped or refused connection. */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

interface SdkErrorShape {
  readonly name: string;
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly CancellationReasons?: readonly { readonly Code?: string }[];
}

/** The name of an AWS error, for the cases an adapter turns into a value (a failed condition, a duplicate). */
export const awsErrorName = (error: unknown): string | undefined =>
  error instanceof Error ? error.name : undefined;

export const isTransactionCanceled = (error: unknown): boolean =>
  awsErrorName(error) === 'TransactionCanceledException';

/** The cancellation reason codes of a TransactionCanceledException, one per item of the transaction. */
export const cancellationCodes = (error: unknown): (string | undefined)[] =>
  ((error as SdkErrorShape | undefined)?.CancellationReasons ?? []).map((reason) => reason.Code);

/** Throttling, a 5xx, a 429, a transaction conflict or a dropped connection: worth a retry. */
export const isTransientAwsError = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  const sdk = error as Error & SdkErrorShape;
  const status = sdk.$metadata?.httpStatusCode ?? 0;
  return (
    TRANSIENT_NAMES.has(sdk.name) ||
    sdk.$fault === 'server' ||
    sdk.$retryable !== undefined ||
    status >= 500 ||
    status === 429 ||
    (typeof sdk.code === 'string' && NETWORK_CODES.has(sdk.code)) ||
    (isTransactionCanceled(error) &&
      cancellationCodes(error).some((code) => TRANSIENT_CANCELLATIONS.has(code ?? '')))
  );
};

/** The error to throw for a failed AWS call: TransientDependencyError if a retry may cure it, else the error. */
export const asTransient = (operation: string, error: unknown): unknown => {
  if (error instanceof TransientDependencyError || !isTransientAwsError(error)) return error;
  const { name, message } = error as Error;
  return new TransientDependencyError(`${operation} failed transiently (${name}: ${message})`, {
    cause: error,
  });
};

/** Runs one AWS call, renaming a failure a retry may cure to TransientDependencyError. */
export const callAws = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (error) {
    throw asTransient(operation, error);
  }
};

/** Rethrows `error`, as TransientDependencyError when a retry may cure it. */
export const rethrowAwsError = (error: unknown, operation: string): never => {
  throw asTransient(operation, error);
};
