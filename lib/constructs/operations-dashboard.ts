import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** Properties of an {@link OperationsDashboard}. */
export interface OperationsDashboardProps {
  /** Work queues by label. */
  readonly workQueues: Readonly<Record<string, sqs.IQueue>>;
  /** Dead-letter queues by label. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /** The saga's state machine. */
  readonly stateMachine: sfn.IStateMachine;
  /** Functions by label. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /**
   * The metric period of every graph.
   *
   * @default Duration.minutes(1)
   */
  readonly period?: Duration;
}

/**
 * One CloudWatch dashboard for operations: queue and DLQ depths, saga outcomes (started, succeeded, failed,
 * timed out), and Lambda errors and durations.
 */
export class OperationsDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(1);
    const each = <T>(
      items: Readonly<Record<string, T>>,
      metric: (item: T, label: string) => cloudwatch.IMetric,
    ) => Object.entries(items).map(([label, item]) => metric(item, label));
    const sum = { period, statistic: cloudwatch.Stats.SUM };

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Work queue depth (visible messages)',
            width: 12,
            left: each(props.workQueues, (queue, label) =>
              queue.metricApproximateNumberOfMessagesVisible({
                period,
                statistic: cloudwatch.Stats.MAXIMUM,
                label,
              }),
            ),
          }),
          new cloudwatch.GraphWidget({
            title: 'Dead-letter queue depth (alarm at 1)',
            width: 12,
            left: each(props.deadLetterQueues, (queue, label) =>
              queue.metricApproximateNumberOfMessagesVisible({
                period,
                statistic: cloudwatch.Stats.MAXIMUM,
                label,
              }),
            ),
            leftAnnotations: [{ value: 1, label: 'alarm', color: cloudwatch.Color.RED }],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Order saga outcomes',
            width: 12,
            left: [
              props.stateMachine.metricStarted({ ...sum, label: 'started' }),
              props.stateMachine.metricSucceeded({ ...sum, label: 'succeeded' }),
              props.stateMachine.metricFailed({ ...sum, label: 'failed' }),
              props.stateMachine.metricTimedOut({ ...sum, label: 'timed out' }),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Work queue age of oldest message (s)',
            width: 12,
            left: each(props.workQueues, (queue, label) =>
              queue.metricApproximateAgeOfOldestMessage({
                period,
                statistic: cloudwatch.Stats.MAXIMUM,
                label,
              }),
            ),
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Lambda errors',
            width: 12,
            left: each(props.functions, (fn, label) => fn.metricErrors({ ...sum, label })),
          }),
          new cloudwatch.GraphWidget({
            title: 'Lambda duration p99 (ms)',
            width: 12,
            left: each(props.functions, (fn, label) =>
              fn.metricDuration({ period, statistic: cloudwatch.Stats.percentile(99), label }),
            ),
          }),
        ],
      ],
    });
  }
}
