import { TransientDependencyError } from '#shared/domain/errors';

/** Error names of AWS services (and the SDK) that a retry may cure. */
const TRANSIENT_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TransactionConflictException',
  'TransactionInProgressException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Socket errors of a dropped or refused connection. */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

interface SdkErrorShape {
  readonly name: string;
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** Throttling, a 5xx, a transaction conflict or a dropped connection: worth a retry. */
export const isTransientAwsError = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  const sdk = error as Error & SdkErrorShape;
  return (
    TRANSIENT_NAMES.has(sdk.name) ||
    sdk.$fault === 'server' ||
    sdk.$retryable !== undefined ||
    (sdk.$metadata?.httpStatusCode ?? 0) >= 500 ||
    (typeof sdk.code === 'string' && NETWORK_CODES.has(sdk.code))
  );
};

/**
 * Run one AWS call; a transient failure becomes TransientDependencyError (the name the saga's Retry matches),
 * anything else (validation, access denied, a missing table) is rethrown as it is, because retrying cannot help.
 */
export const callAws = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (error) {
    throw asTransient(operation, error);
  }
};

/** The error to throw for a failed AWS call: TransientDependencyError if a retry may cure it, else the error. */
export const asTransient = (operation: string, error: unknown): unknown => {
  if (error instanceof TransientDependencyError || !isTransientAwsError(error)) return error;
  const { name, message } = error as Error;
  return new TransientDependencyError(`${operation} failed transiently (${name}: ${message})`, {
    cause: error,
  });
};

/** The name of an AWS error, for the cases an adapter turns into a value (a failed condition, a duplicate). */
export const awsErrorName = (error: unknown): string | undefined =>
  error instanceof Error ? error.name : undefined;
