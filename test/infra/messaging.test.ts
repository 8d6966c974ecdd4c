import { describe, expect, it } from 'vitest';
import {
  type CfnResourceJson,
  logicalIdAtPath,
  logicalIdOf,
  pathOf,
  prop,
  referencedLogicalId,
  resourcesOf,
  synthesizeOrderflow,
} from './support/orderflow-app';

// Prepare (once for the file): synthesize the whole app and index its queues.
const orderflow = synthesizeOrderflow();
const processing = orderflow.processingTemplate;
const stateful = orderflow.statefulTemplate;
const opsAlertsId = logicalIdOf(orderflow.stateful.topics.opsAlerts);
const queues = new Map(resourcesOf(processing, 'AWS::SQS::Queue'));
const alarms = [
  ...resourcesOf(processing, 'AWS::CloudWatch::Alarm'),
  ...resourcesOf(stateful, 'AWS::CloudWatch::Alarm'),
];
const rules = resourcesOf(processing, 'AWS::Events::Rule');
const subscriptions = resourcesOf(processing, 'AWS::SNS::Subscription');
const mappings = resourcesOf(processing, 'AWS::Lambda::EventSourceMapping');
const functions = new Map(resourcesOf(processing, 'AWS::Lambda::Function'));

interface RedrivePolicy {
  deadLetterTargetArn: unknown;
  maxReceiveCount: number;
}
interface RuleTarget {
  Arn: unknown;
  DeadLetterConfig?: { Arn: unknown };
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
}

const redriveTargets = [...queues.values()]
  .map((q) => prop<RedrivePolicy | undefined>(q, 'RedrivePolicy'))
  .filter((p): p is RedrivePolicy => p !== undefined)
  .map((p) => referencedLogicalId(p.deadLetterTargetArn));
const ruleTargetDlqs = rules.flatMap(([, r]) =>
  prop<RuleTarget[]>(r, 'Targets').map((t) => referencedLogicalId(t.DeadLetterConfig?.Arn)),
);
const subscriptionDlqs = subscriptions.map(([, s]) =>
  referencedLogicalId(
    prop<{ deadLetterTargetArn?: unknown } | undefined>(s, 'RedrivePolicy')?.deadLetterTargetArn,
  ),
);
const onFailureDlqs = mappings
  .map(([, m]) => prop<{ OnFailure?: { Destination: unknown } } | undefined>(m, 'DestinationConfig'))
  .filter((d) => d?.OnFailure)
  .map((d) => referencedLogicalId(d?.OnFailure?.Destination));
const deadLetterQueueIds = new Set(
  [...redriveTargets, ...ruleTargetDlqs, ...subscriptionDlqs, ...onFailureDlqs].filter(
    (id): id is string => id !== undefined,
  ),
);
const workQueueIds = [...queues.keys()].filter((id) => !deadLetterQueueIds.has(id));

function notifiesOpsAlerts(alarm: CfnResourceJson): boolean {
  const actions = prop<unknown[] | undefined>(alarm, 'AlarmActions') ?? [];
  return actions.some((a) => referencedLogicalId(a, stateful) === opsAlertsId);
}

function queueAlarms(queueId: string, metricName: string): CfnResourceJson[] {
  return alarms
    .map(([, a]) => a)
    .filter((a) => {
      if (prop(a, 'Namespace') !== 'AWS/SQS' || prop(a, 'MetricName') !== metricName) return false;
      const dimensions = prop<{ Name: string; Value: unknown }[]>(a, 'Dimensions') ?? [];
      return dimensions.some((d) => d.Name === 'QueueName' && referencedLogicalId(d.Value) === queueId);
    });
}

describe('queues and dead-letter queues', () => {
  it('gives every work queue a DLQ through a redrive policy with maxReceiveCount 3 to 5', () => {
    // Assess
    expect(workQueueIds.length).toBe(5);
    for (const id of workQueueIds) {
      const redrive = prop<RedrivePolicy | undefined>(queues.get(id) as CfnResourceJson, 'RedrivePolicy');
      expect(redrive, `${id} has no redrive policy`).toBeDefined();
      expect(redrive?.maxReceiveCount).toBeGreaterThanOrEqual(3);
      expect(redrive?.maxReceiveCount).toBeLessThanOrEqual(5);
      expect(queues.has(referencedLogicalId(redrive?.deadLetterTargetArn) ?? '')).toBe(true);
    }
  });

  it('gives every DLQ (redrive, rule target, subscription, stream on-failure) a depth alarm to ops-alerts', () => {
    // Assess: 5 consumer DLQs + 3 rule-target DLQs + 2 subscription DLQs + 1 stream on-failure DLQ.
    expect(deadLetterQueueIds.size).toBe(11);
    for (const id of deadLetterQueueIds) {
      const depthAlarms = queueAlarms(id, 'ApproximateNumberOfMessagesVisible').filter(
        (a) =>
          prop(a, 'Threshold') === 1 && prop(a, 'ComparisonOperator') === 'GreaterThanOrEqualToThreshold',
      );
      expect(depthAlarms.length, `${id} has no depth alarm`).toBeGreaterThanOrEqual(1);
      expect(depthAlarms.every(notifiesOpsAlerts), `${id} alarm does not notify ops-alerts`).toBe(true);
    }
  });

  it('alarms on the age of the oldest message of every work queue', () => {
    for (const id of workQueueIds) {
      const ageAlarms = queueAlarms(id, 'ApproximateAgeOfOldestMessage');
      expect(ageAlarms.length, `${id} has no age alarm`).toBe(1);
      expect(ageAlarms.every(notifiesOpsAlerts)).toBe(true);
    }
  });

  it('makes every queue TLS-only and encrypted', () => {
    const policies = resourcesOf(processing, 'AWS::SQS::QueuePolicy');
    for (const [id, queue] of queues) {
      expect(
        prop(queue, 'SqsManagedSseEnabled') === true || prop(queue, 'KmsMasterKeyId') !== undefined,
      ).toBe(true);
      const denyInsecure = policies.some(([, p]) => {
        const applies = prop<unknown[]>(p, 'Queues').some((q) => referencedLogicalId(q) === id);
        const statements = prop<{ Statement: Record<string, unknown>[] }>(p, 'PolicyDocument').Statement;
        return (
          applies &&
          statements.some(
            (s) =>
              s.Effect === 'Deny' &&
              JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
          )
        );
      });
      expect(denyInsecure, `${id} accepts non-TLS requests`).toBe(true);
    }
  });
});

describe('event source mappings', () => {
  const sqsMappings = mappings.filter(([, m]) =>
    queues.has(referencedLogicalId(prop(m, 'EventSourceArn')) ?? ''),
  );

  it('makes every SQS event source report batch item failures with a maximum concurrency', () => {
    expect(sqsMappings.length).toBe(5);
    for (const [id, mapping] of sqsMappings) {
      expect(prop(mapping, 'FunctionResponseTypes'), id).toEqual(['ReportBatchItemFailures']);
      expect(
        prop<{ MaximumConcurrency?: number }>(mapping, 'ScalingConfig')?.MaximumConcurrency,
      ).toBeGreaterThanOrEqual(2);
    }
  });

  it('keeps every consumed queue visible for at least 6 times the function timeout', () => {
    for (const [, mapping] of sqsMappings) {
      const queue = queues.get(referencedLogicalId(prop(mapping, 'EventSourceArn')) ?? '') as CfnResourceJson;
      const fn = functions.get(referencedLogicalId(prop(mapping, 'FunctionName')) ?? '') as CfnResourceJson;
      expect(prop<number>(queue, 'VisibilityTimeout'), pathOf(queue)).toBeGreaterThanOrEqual(
        6 * prop<number>(fn, 'Timeout'),
      );
    }
  });

  it('relays only outbox INSERTs from the Orders stream, bisecting, retrying and dead-lettering', () => {
    // Prepare
    const streamMappings = mappings.filter(
      ([, m]) => !queues.has(referencedLogicalId(prop(m, 'EventSourceArn')) ?? ''),
    );
    expect(streamMappings.length).toBe(1);
    const [, relay] = streamMappings[0] as [string, CfnResourceJson];
    const filters = prop<{ Filters: { Pattern: string }[] }>(relay, 'FilterCriteria').Filters;

    // Assess
    expect(referencedLogicalId(prop(relay, 'EventSourceArn'), stateful)).toBe(
      logicalIdOf(orderflow.stateful.tables.orders),
    );
    expect(filters.map((f) => JSON.parse(f.Pattern))).toEqual([
      { eventName: ['INSERT'], dynamodb: { NewImage: { pk: { S: [{ prefix: 'OUTBOX#' }] } } } },
    ]);
    expect(relay.Properties).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(prop<number>(relay, 'BatchSize')).toBeGreaterThan(0);
    expect(prop<number>(relay, 'MaximumRetryAttempts')).toBeGreaterThan(0);
    expect(queues.has(onFailureDlqs[0] ?? '')).toBe(true);
  });
});

describe('event routes', () => {
  it('gives every rule target its own DLQ and a retry policy', () => {
    const targets = rules.flatMap(([, r]) => prop<RuleTarget[]>(r, 'Targets'));
    expect(targets.length).toBe(3);
    for (const target of targets) {
      const dlq = referencedLogicalId(target.DeadLetterConfig?.Arn);
      expect(dlq && queues.has(dlq)).toBe(true);
      expect(dlq).not.toBe(referencedLogicalId(target.Arn));
      expect(target.RetryPolicy?.MaximumRetryAttempts).toBeGreaterThan(0);
      expect(target.RetryPolicy?.MaximumEventAgeInSeconds).toBeGreaterThan(0);
    }
    expect(new Set(ruleTargetDlqs).size).toBe(targets.length);
  });

  it('routes by detail-type to the consumer queues of the contract', () => {
    const expected = {
      OrderPlacedToSaga: {
        pattern: { source: ['orderflow.orders'], 'detail-type': ['OrderPlaced'] },
        queue: 'OrderflowProcessing/SagaStarter/Queue/Resource',
      },
      OrderEventsToNotifications: {
        pattern: { 'detail-type': ['OrderPlaced', 'OrderShipped', 'OrderConfirmed', 'OrderCancelled'] },
        queue: 'OrderflowProcessing/Notifier/Queue/Resource',
      },
      OrderEventsToAnalytics: {
        pattern: {
          source: ['orderflow.orders'],
          'detail-type': ['OrderPlaced', 'OrderConfirmed', 'OrderCancelled'],
        },
        queue: 'OrderflowProcessing/Projector/Queue/Resource',
      },
    };
    const busId = logicalIdOf(orderflow.stateful.eventBus);
    for (const [ruleId, { pattern, queue }] of Object.entries(expected)) {
      const rule = rules.find(
        ([, r]) => pathOf(r) === `OrderflowProcessing/EventRoutes/${ruleId}/Resource`,
      )?.[1];
      expect(rule, ruleId).toBeDefined();
      if (!rule) continue;
      expect(prop(rule, 'EventPattern')).toEqual(pattern);
      expect(referencedLogicalId(prop(rule, 'EventBusName'), stateful)).toBe(busId);
      const targets = prop<RuleTarget[]>(rule, 'Targets').map((t) => referencedLogicalId(t.Arn));
      expect(targets).toEqual([logicalIdAtPath(processing, queue)]);
    }
  });
});

describe('notification fan-out', () => {
  it('gives every SNS subscription its own DLQ, raw delivery and a filter policy', () => {
    expect(subscriptions.length).toBe(2);
    for (const [id, subscription] of subscriptions) {
      expect(prop(subscription, 'RawMessageDelivery'), id).toBe(true);
      expect(prop(subscription, 'FilterPolicy'), id).toBeDefined();
      expect(referencedLogicalId(prop(subscription, 'TopicArn'), stateful)).toBe(
        logicalIdOf(orderflow.stateful.topics.customerNotifications),
      );
    }
    expect(subscriptionDlqs.every((dlq) => dlq !== undefined && queues.has(dlq))).toBe(true);
    expect(new Set(subscriptionDlqs).size).toBe(subscriptions.length);
  });

  it('filters the email and sms subscriptions on channel and eventType as the contract says', () => {
    const filterOf = (queuePath: string) =>
      subscriptions.find(
        ([, s]) => referencedLogicalId(prop(s, 'Endpoint')) === logicalIdAtPath(processing, queuePath),
      )?.[1]?.Properties?.FilterPolicy;
    expect(filterOf('OrderflowProcessing/EmailSender/Queue/Resource')).toEqual({
      channel: ['email'],
      eventType: ['OrderPlaced', 'OrderShipped', 'OrderConfirmed', 'OrderCancelled'],
    });
    expect(filterOf('OrderflowProcessing/SmsSender/Queue/Resource')).toEqual({
      channel: ['sms'],
      eventType: ['OrderConfirmed', 'OrderCancelled'],
    });
  });
});

describe('alarms', () => {
  it('sends every alarm of the app to ops-alerts', () => {
    expect(alarms.length).toBeGreaterThan(30);
    for (const [id, alarm] of alarms) expect(notifiesOpsAlerts(alarm), id).toBe(true);
  });
});
