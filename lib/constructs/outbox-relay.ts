import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue';
import { NodeFunction, type NodeFunctionProps } from './node-function';

/** Properties of an {@link OutboxRelay}. */
export interface OutboxRelayProps {
  /** The table holding the outbox items; its stream must carry NEW_IMAGE (or NEW_AND_OLD_IMAGES). */
  readonly table: dynamodb.ITable;
  /** The relay function, which publishes each outbox item to the bus. */
  readonly handler: NodeFunctionProps;
  /**
   * Partition key prefix of outbox items; only INSERTs of such items reach the function.
   *
   * @default 'OUTBOX#'
   */
  readonly keyPrefix?: string;
  /**
   * Records per invocation.
   *
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * Retries of a failing batch (after bisection) before its records go to the on-failure DLQ.
   *
   * @default 5
   */
  readonly retryAttempts?: number;
  /**
   * Records older than this go to the on-failure DLQ instead of being retried.
   *
   * @default Duration.hours(6)
   */
  readonly maxRecordAge?: Duration;
  /**
   * Actions of the on-failure DLQ alarm and the function's errors alarm.
   *
   * @default - the alarms are created but notify no one
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];
}

/**
 * The transactional outbox relay: a DynamoDB stream event source on the table, filtered to INSERTs of outbox
 * items, which reports batch item failures, bisects failing batches, and sends what it finally cannot relay
 * to an SQS on-failure DLQ (with its depth alarm). It starts from TRIM_HORIZON so no outbox item is skipped.
 */
export class OutboxRelay extends Construct {
  /** The relay function. */
  public readonly handler: NodeFunction;
  /** The DynamoDB stream event source. */
  public readonly eventSource: sources.DynamoEventSource;
  /** Receives the metadata of stream records the relay could not process. */
  public readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: OutboxRelayProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 5;
    if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 10_000) {
      throw new Error(
        `OutboxRelay ${id}: retryAttempts must be an integer from 0 to 10000, got ${retryAttempts}.`,
      );
    }

    this.deadLetterQueue = new DeadLetterQueue(this, 'OnFailureDlq', {
      source: `outbox relay ${id} (DynamoDB stream on-failure destination)`,
      alarmActions: props.alarmActions,
    });
    this.handler = new NodeFunction(this, 'Function', {
      ...props.handler,
      alarmActions: props.handler.alarmActions ?? props.alarmActions,
    });
    this.eventSource = new sources.DynamoEventSource(props.table, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: props.batchSize ?? 10,
      bisectBatchOnError: true,
      retryAttempts,
      maxRecordAge: props.maxRecordAge ?? Duration.hours(6),
      reportBatchItemFailures: true,
      onFailure: new sources.SqsDlq(this.deadLetterQueue),
      filters: [
        lambda.FilterCriteria.filter({
          eventName: lambda.FilterRule.isEqual('INSERT'),
          dynamodb: { NewImage: { pk: { S: lambda.FilterRule.beginsWith(props.keyPrefix ?? 'OUTBOX#') } } },
        }),
      ],
    });
    this.handler.addEventSource(this.eventSource);
  }
}
