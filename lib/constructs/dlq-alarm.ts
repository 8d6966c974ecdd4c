import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** Properties of a {@link DlqAlarm}. */
export interface DlqAlarmProps {
  /** The dead-letter queue to watch. */
  readonly queue: sqs.IQueue;

  /**
   * Actions when the alarm fires, for example an SnsAction to ops-alerts.
   *
   * @default - the alarm is created but notifies no one
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];

  /**
   * What the DLQ catches, for the alarm description (e.g. "EventBridge rule OrderPlacedToSaga").
   *
   * @default - the queue's construct path
   */
  readonly source?: string;

  /**
   * The metric period.
   *
   * @default Duration.minutes(1)
   */
  readonly period?: Duration;
}

/**
 * Fires as soon as one message sits in a dead-letter queue: ApproximateNumberOfMessagesVisible (Maximum) >= 1.
 *
 * ApproximateNumberOfMessagesVisible also counts messages moved in by a redrive policy, which
 * NumberOfMessagesSent does not, so it is the metric that sees every dead letter.
 */
export class DlqAlarm extends cloudwatch.Alarm {
  constructor(scope: Construct, id: string, props: DlqAlarmProps) {
    super(scope, id, {
      alarmDescription: `Dead letters in ${props.source ?? props.queue.node.path}: inspect, fix, then redrive.`,
      metric: props.queue.metricApproximateNumberOfMessagesVisible({
        period: props.period ?? Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const action of props.alarmActions ?? []) this.addAlarmAction(action);
  }
}
