import { TransientDependencyError } from '#shared/domain/errors';

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'KMSThrottlingException',
  'InternalErrorException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
]);

interface AwsErrorShape {
  readonly name?: string;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** Throttling, 5xx and timeouts may succeed later; anything else (validation, access denied) will not. */
export const isTransientAwsError = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  const shape = error as AwsErrorShape;
  const status = shape.$metadata?.httpStatusCode ?? 0;
  return !!shape.$retryable || status >= 500 || status === 429 || TRANSIENT_NAMES.has(error.name);
};

/** Rethrows `error`, as TransientDependencyError when a retry may succeed, so queues and the saga retry it by name. */
export const rethrowAwsError = (error: unknown, doing: string): never => {
  if (isTransientAwsError(error)) {
    throw new TransientDependencyError(`${doing} failed transiently: ${(error as Error).message}`, {
      cause: error,
    });
  }
  throw error;
};
