import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue';

/** One rule of {@link EventRoutes}: events matching `eventPattern` go to `queue`. */
export interface EventRoute {
  /** The rule's construct ID, PascalCase and stable (e.g. `OrderPlacedToSaga`). */
  readonly id: string;
  /** What the rule matches; route by `detailType` (and `source`). */
  readonly eventPattern: events.EventPattern;
  /** The target queue, usually a {@link QueueConsumer}'s work queue. */
  readonly queue: sqs.IQueue;
  /**
   * A description of the rule.
   *
   * @default - none
   */
  readonly description?: string;
}

/** Properties of {@link EventRoutes}. */
export interface EventRoutesProps {
  /** The bus the rules listen on. */
  readonly eventBus: events.IEventBus;
  /** The routes. */
  readonly routes: readonly EventRoute[];
  /**
   * Attempts EventBridge makes to deliver an event to a target before it goes to the target's DLQ.
   *
   * @default 8
   */
  readonly retryAttempts?: number;
  /**
   * How long EventBridge keeps retrying an event before it goes to the target's DLQ.
   *
   * @default Duration.hours(2)
   */
  readonly maxEventAge?: Duration;
  /**
   * Actions of the target DLQ alarms.
   *
   * @default - the alarms are created but notify no one
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];
}

/**
 * EventBridge rules routed by detail-type, each delivering to an SQS queue with a retry policy and a target
 * dead-letter queue of its own (with its depth alarm), so an event EventBridge cannot deliver is kept.
 */
export class EventRoutes extends Construct {
  /** The rules, by route ID. */
  public readonly rules: Readonly<Record<string, events.Rule>>;
  /** The target DLQs, by route ID. */
  public readonly deadLetterQueues: Readonly<Record<string, DeadLetterQueue>>;

  constructor(scope: Construct, id: string, props: EventRoutesProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 8;
    if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 185) {
      throw new Error(
        `EventRoutes ${id}: retryAttempts must be an integer from 0 to 185, got ${retryAttempts}.`,
      );
    }
    const maxEventAge = props.maxEventAge ?? Duration.hours(2);

    const rules: Record<string, events.Rule> = {};
    const deadLetterQueues: Record<string, DeadLetterQueue> = {};
    for (const route of props.routes) {
      if (rules[route.id]) throw new Error(`EventRoutes ${id}: duplicate route id '${route.id}'.`);
      if (!route.eventPattern.detailType || route.eventPattern.detailType.length === 0) {
        throw new Error(`EventRoutes ${id}: route '${route.id}' must match on detailType.`);
      }
      const deadLetterQueue = new DeadLetterQueue(this, `${route.id}TargetDlq`, {
        source: `EventBridge rule ${route.id}`,
        alarmActions: props.alarmActions,
      });
      const rule = new events.Rule(this, route.id, {
        eventBus: props.eventBus,
        eventPattern: route.eventPattern,
        description: route.description,
      });
      rule.addTarget(
        new targets.SqsQueue(route.queue, {
          deadLetterQueue,
          retryAttempts,
          maxEventAge,
        }),
      );
      rules[route.id] = rule;
      deadLetterQueues[route.id] = deadLetterQueue;
    }
    this.rules = rules;
    this.deadLetterQueues = deadLetterQueues;
  }
}
