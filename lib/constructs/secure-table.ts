import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';

/** Properties of a {@link SecureTable}. */
export interface SecureTableProps {
  /**
   * The partition key.
   *
   * @default - `pk` (S)
   */
  readonly partitionKey?: dynamodb.Attribute;
  /**
   * The sort key.
   *
   * @default - no sort key
   */
  readonly sortKey?: dynamodb.Attribute;
  /**
   * The item attribute DynamoDB reads as the expiry time (epoch seconds).
   *
   * @default - no TTL
   */
  readonly timeToLiveAttribute?: string;
  /**
   * What the table's stream carries.
   *
   * @default - no stream
   */
  readonly stream?: dynamodb.StreamViewType;
  /**
   * What happens to the table and its data when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A DynamoDB table with orderflow's defaults: on-demand capacity, point-in-time recovery, server-side
 * encryption with the AWS managed key, and RETAIN unless told otherwise.
 */
export class SecureTable extends dynamodb.Table {
  constructor(scope: Construct, id: string, props: SecureTableProps = {}) {
    super(scope, id, {
      partitionKey: props.partitionKey ?? { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: props.sortKey,
      timeToLiveAttribute: props.timeToLiveAttribute,
      stream: props.stream,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
