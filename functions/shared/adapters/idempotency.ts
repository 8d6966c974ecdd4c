import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import { dynamoClient, requireEnv } from './aws-clients.ts';

/** Powertools idempotency records live in the Idempotency table (key `id`, TTL `expiration`). */
export const idempotencyStore = (): DynamoDBPersistenceLayer =>
  new DynamoDBPersistenceLayer({
    tableName: requireEnv('IDEMPOTENCY_TABLE'),
    awsSdkV3Client: dynamoClient(),
  });

export interface IdempotentOptions {
  /** JMESPath to the domain key in the first argument, e.g. `eventId` or `[orderId, channel]`. Never an SQS messageId. */
  readonly key: string;
  /** A stable prefix, so the same key in two functions never collides. */
  readonly keyPrefix: string;
  /** @default 86400 (one day, longer than any redelivery or replay window we rely on) */
  readonly expiresAfterSeconds?: number;
  /** @default - a DynamoDB persistence layer on IDEMPOTENCY_TABLE; tests pass an in-memory one */
  readonly persistenceStore?: BasePersistenceLayer;
}

/**
 * Makes `fn` run at most once per domain key: a repeat gets the stored result instead of a second effect.
 * Call `registerContext(context)` in the handler so an in-flight record expires with the invocation.
 *
 * Each call gets its own persistence layer: Powertools configures a layer once, with the first key path
 * it sees, so sharing one between two idempotent functions would key the second on the first's path.
 */
export const idempotentOn = <TArg, TResult>(
  fn: (arg: TArg) => Promise<TResult>,
  options: IdempotentOptions,
) => {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: options.key,
    expiresAfterSeconds: options.expiresAfterSeconds ?? 86_400,
    throwOnNoIdempotencyKey: true,
  });
  const wrapped = makeIdempotent(fn, {
    persistenceStore: options.persistenceStore ?? idempotencyStore(),
    config,
    keyPrefix: options.keyPrefix,
  });
  return Object.assign(wrapped, {
    registerContext: (context: Context) => config.registerLambdaContext(context),
  });
};
