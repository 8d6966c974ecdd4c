import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** Properties of {@link NotificationTopics}. */
export interface NotificationTopicsProps {
  /**
   * What happens to the KMS key when it leaves the stack. Destroying it schedules the key for deletion.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The two SNS topics, TLS-only and encrypted with one customer managed KMS key (rotation on):
 * `customer-notifications` (fanned out to the channel queues) and `ops-alerts` (the target of every alarm).
 *
 * CloudWatch alarms publish as the cloudwatch.amazonaws.com service, and an AWS managed SNS key cannot grant
 * that service anything, hence the customer managed key: the key policy and the ops-alerts topic policy
 * let CloudWatch publish (kms:Decrypt, kms:GenerateDataKey*, sns:Publish).
 */
export class NotificationTopics extends Construct {
  /** Encrypts both topics. */
  public readonly key: kms.Key;
  /** Customer-facing notifications, one message per channel; subscribers filter on `channel` and `eventType`. */
  public readonly customerNotifications: sns.Topic;
  /** Operations alerts: every alarm publishes here. */
  public readonly opsAlerts: sns.Topic;

  constructor(scope: Construct, id: string, props: NotificationTopicsProps = {}) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'orderflow SNS topics (customer-notifications, ops-alerts)',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.customerNotifications = new sns.Topic(this, 'CustomerNotifications', {
      displayName: 'orderflow customer notifications',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.opsAlerts = new sns.Topic(this, 'OpsAlerts', {
      displayName: 'orderflow ops alerts',
      masterKey: this.key,
      enforceSSL: true,
    });
    // Let CloudWatch alarms publish to ops-alerts. The topic statement is limited to alarms of this account
    // (confused deputy); the key statement is the one AWS documents for alarms on encrypted topics.
    const cloudwatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    this.opsAlerts.grants.actions(
      cloudwatch.withConditions({ StringEquals: { 'aws:SourceAccount': Stack.of(this).account } }),
      ['sns:Publish'],
    );
    this.key.grant(cloudwatch, 'kms:Decrypt', 'kms:GenerateDataKey*');
  }
}
