import { Duration, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DlqAlarm } from './dlq-alarm';

/** Properties of a {@link DeadLetterQueue}. */
export interface DeadLetterQueueProps {
  /**
   * What sends its failures here (e.g. "EventBridge rule OrderPlacedToSaga"), for the alarm description.
   *
   * @default - the queue's construct path
   */
  readonly source?: string;

  /**
   * Actions of the depth alarm, for example an SnsAction to ops-alerts.
   *
   * @default - the alarm is created but notifies no one
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];

  /**
   * How long a dead letter is kept. The SQS maximum, to leave time for a fix and a redrive.
   *
   * @default Duration.days(14)
   */
  readonly retentionPeriod?: Duration;
}

/**
 * A dead-letter queue with secure defaults and its depth alarm ({@link DlqAlarm}).
 *
 * Used for every DLQ in orderflow: consumer redrive targets, EventBridge target DLQs, SNS subscription DLQs
 * and the stream on-failure destination, so no DLQ can exist without an alarm. TLS-only, SSE-SQS encrypted.
 */
export class DeadLetterQueue extends sqs.Queue {
  /** ApproximateNumberOfMessagesVisible >= 1. */
  public readonly depthAlarm: DlqAlarm;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps = {}) {
    super(scope, id, {
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.depthAlarm = new DlqAlarm(this, 'DepthAlarm', {
      queue: this,
      source: props.source,
      alarmActions: props.alarmActions,
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue (of a queue, an EventBridge target, an SNS subscription or a stream event source); a DLQ of a DLQ adds nothing, and its depth alarm pages on the first message.',
    });
  }
}
