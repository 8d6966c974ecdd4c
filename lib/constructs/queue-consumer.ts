import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue';
import { DEFAULT_FUNCTION_TIMEOUT, NodeFunction, type NodeFunctionProps } from './node-function';

/** Bounds of {@link QueueConsumerProps.maxReceiveCount}. */
export const MIN_RECEIVE_COUNT = 3;
export const MAX_RECEIVE_COUNT = 5;

/** The queue's visibility timeout must be at least this many function timeouts (AWS guidance for SQS + Lambda). */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** Properties of a {@link QueueConsumer}. */
export interface QueueConsumerProps {
  /** The consuming function. Its timeout sets the queue's minimum visibility timeout. */
  readonly handler: NodeFunctionProps;

  /**
   * Deliveries before a message moves to the DLQ. Between 3 and 5: fewer turns a brief outage into dead
   * letters; more delays the alarm on a poison message.
   *
   * @default 3
   */
  readonly maxReceiveCount?: number;

  /**
   * The work queue's visibility timeout. It must be at least 6 times the function timeout, so a message is
   * not redelivered while a batch holding it is still being retried.
   *
   * @default - 6 times the function timeout
   */
  readonly visibilityTimeout?: Duration;

  /**
   * Records per invocation.
   *
   * @default 10
   */
  readonly batchSize?: number;

  /**
   * How long to gather records before invoking.
   *
   * @default - no batching window
   */
  readonly maxBatchingWindow?: Duration;

  /**
   * Maximum concurrent invocations by the event source (2 to 1000), which protects downstream tables.
   *
   * @default 5
   */
  readonly maxConcurrency?: number;

  /**
   * How long the oldest work-queue message may wait before the age alarm fires.
   *
   * @default Duration.minutes(5)
   */
  readonly maxMessageAge?: Duration;

  /**
   * Actions of every alarm of this consumer (DLQ depth, message age, function errors).
   *
   * @default - the alarms are created but notify no one
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];
}

/**
 * A competing consumer: a work queue with its dead-letter queue, the consuming {@link NodeFunction} and an SQS
 * event source that reports partial batch failures, with alarms on dead letters and on message age.
 *
 * Both queues are TLS-only and SSE-SQS encrypted. The function's handler must return
 * `{ batchItemFailures }` (Powertools `processPartialResponse`).
 */
export class QueueConsumer extends Construct {
  /** The work queue the function consumes. */
  public readonly queue: sqs.Queue;
  /** Where messages go after `maxReceiveCount` failed deliveries. */
  public readonly deadLetterQueue: DeadLetterQueue;
  /** The consuming function. */
  public readonly handler: NodeFunction;
  /** The SQS event source (ReportBatchItemFailures, maximum concurrency). */
  public readonly eventSource: sources.SqsEventSource;
  /** ApproximateNumberOfMessagesVisible >= 1 on the DLQ. */
  public readonly deadLetterQueueAlarm: cloudwatch.Alarm;
  /** ApproximateAgeOfOldestMessage on the work queue above `maxMessageAge`. */
  public readonly messageAgeAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: QueueConsumerProps) {
    super(scope, id);

    const maxReceiveCount = props.maxReceiveCount ?? MIN_RECEIVE_COUNT;
    if (
      !Number.isInteger(maxReceiveCount) ||
      maxReceiveCount < MIN_RECEIVE_COUNT ||
      maxReceiveCount > MAX_RECEIVE_COUNT
    ) {
      throw new Error(
        `QueueConsumer ${id}: maxReceiveCount must be an integer from ${MIN_RECEIVE_COUNT} to ${MAX_RECEIVE_COUNT}, got ${maxReceiveCount}.`,
      );
    }
    const maxConcurrency = props.maxConcurrency ?? 5;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 2 || maxConcurrency > 1000) {
      throw new Error(
        `QueueConsumer ${id}: maxConcurrency must be an integer from 2 to 1000, got ${maxConcurrency}.`,
      );
    }
    const functionTimeout = props.handler.timeout ?? DEFAULT_FUNCTION_TIMEOUT;
    const minimumVisibility = Duration.seconds(functionTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR);
    const visibilityTimeout = props.visibilityTimeout ?? minimumVisibility;
    if (
      !Token.isUnresolved(visibilityTimeout.toSeconds()) &&
      visibilityTimeout.toSeconds() < minimumVisibility.toSeconds()
    ) {
      throw new Error(
        `QueueConsumer ${id}: visibilityTimeout must be at least ${VISIBILITY_TIMEOUT_FACTOR} x the function timeout ` +
          `(${minimumVisibility.toSeconds()}s), got ${visibilityTimeout.toSeconds()}s.`,
      );
    }

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetterQueue', {
      source: `queue consumer ${id}`,
      alarmActions: props.alarmActions,
    });
    this.deadLetterQueueAlarm = this.deadLetterQueue.depthAlarm;

    this.queue = new sqs.Queue(this, 'Queue', {
      visibilityTimeout,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    this.handler = new NodeFunction(this, 'Function', {
      ...props.handler,
      alarmActions: props.handler.alarmActions ?? props.alarmActions,
    });
    this.eventSource = new sources.SqsEventSource(this.queue, {
      batchSize: props.batchSize ?? 10,
      maxBatchingWindow: props.maxBatchingWindow,
      maxConcurrency,
      reportBatchItemFailures: true,
    });
    this.handler.addEventSource(this.eventSource);

    const maxMessageAge = props.maxMessageAge ?? Duration.minutes(5);
    this.messageAgeAlarm = new cloudwatch.Alarm(this, 'MessageAgeAlarm', {
      alarmDescription: `Messages in ${this.queue.node.path} are older than ${maxMessageAge.toHumanString()}: the consumer is stuck or too slow.`,
      metric: this.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: maxMessageAge.toSeconds(),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const action of props.alarmActions ?? []) this.messageAgeAlarm.addAlarmAction(action);
  }
}
