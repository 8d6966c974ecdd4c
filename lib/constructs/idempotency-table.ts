import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { SecureTable } from './secure-table';

/** Properties of an {@link IdempotencyTable}. */
export interface IdempotencyTableProps {
  /**
   * What happens to the table when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The persistence layer of Powertools idempotency: partition key `id` (S) and TTL on `expiration`, the
 * attribute names Powertools' DynamoDBPersistenceLayer uses by default. A {@link SecureTable}.
 */
export class IdempotencyTable extends SecureTable {
  /** The partition key attribute (Powertools default). */
  public static readonly KEY_ATTRIBUTE = 'id';
  /** The TTL attribute (Powertools default). */
  public static readonly EXPIRY_ATTRIBUTE = 'expiration';

  constructor(scope: Construct, id: string, props: IdempotencyTableProps = {}) {
    super(scope, id, {
      partitionKey: { name: IdempotencyTable.KEY_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: IdempotencyTable.EXPIRY_ATTRIBUTE,
      removalPolicy: props.removalPolicy,
    });
  }
}
