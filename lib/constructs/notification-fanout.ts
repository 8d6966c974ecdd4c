import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue';

/** One queue subscribed to the topic. */
export interface FanoutSubscription {
  /** A stable PascalCase ID (e.g. `Email`); the subscription DLQ is `<id>SubscriptionDlq`. */
  readonly id: string;
  /** The subscribed queue, usually a {@link QueueConsumer}'s work queue. */
  readonly queue: sqs.IQueue;
  /** The filter policy on message attributes (e.g. `channel`, `eventType`). */
  readonly filterPolicy: Readonly<Record<string, sns.SubscriptionFilter>>;
}

/** Properties of a {@link NotificationFanout}. */
export interface NotificationFanoutProps {
  /** The topic to fan out. */
  readonly topic: sns.ITopic;
  /** The subscribed queues. */
  readonly subscriptions: readonly FanoutSubscription[];
  /**
   * Deliver the published message as is, without the SNS JSON envelope.
   *
   * @default true
   */
  readonly rawMessageDelivery?: boolean;
  /**
   * Actions of the subscription DLQ alarms.
   *
   * @default - the alarms are created but notify no one
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];
}

/**
 * SNS to SQS fan-out with filter policies. Every subscription gets a dead-letter queue of its own (with its
 * depth alarm) for the messages SNS cannot deliver, for example while the queue policy is broken.
 */
export class NotificationFanout extends Construct {
  /** The subscription DLQs, by subscription ID. */
  public readonly deadLetterQueues: Readonly<Record<string, DeadLetterQueue>>;

  constructor(scope: Construct, id: string, props: NotificationFanoutProps) {
    super(scope, id);
    const deadLetterQueues: Record<string, DeadLetterQueue> = {};
    for (const subscription of props.subscriptions) {
      if (deadLetterQueues[subscription.id]) {
        throw new Error(`NotificationFanout ${id}: duplicate subscription id '${subscription.id}'.`);
      }
      const deadLetterQueue = new DeadLetterQueue(this, `${subscription.id}SubscriptionDlq`, {
        source: `SNS subscription ${subscription.id}`,
        alarmActions: props.alarmActions,
      });
      props.topic.addSubscription(
        new subscriptions.SqsSubscription(subscription.queue, {
          rawMessageDelivery: props.rawMessageDelivery ?? true,
          filterPolicy: { ...subscription.filterPolicy },
          deadLetterQueue,
        }),
      );
      deadLetterQueues[subscription.id] = deadLetterQueue;
    }
    this.deadLetterQueues = deadLetterQueues;
  }
}
