import { describe, expect, it } from 'vitest';
import {
  type CfnResourceJson,
  logicalIdOf,
  pathOf,
  prop,
  referencedLogicalId,
  resolveReference,
  resourcesOf,
  synthesizeOrderflow,
} from './support/orderflow-app';

// Prepare (once for the file).
const orderflow = synthesizeOrderflow();
const processing = orderflow.processingTemplate;
const stateful = orderflow.statefulTemplate;
const { tables, eventBus, topics } = orderflow.stateful;
const functions = resourcesOf(processing, 'AWS::Lambda::Function');
const logGroups = new Map(resourcesOf(processing, 'AWS::Logs::LogGroup'));
const policies = resourcesOf(processing, 'AWS::IAM::Policy');
const alarms = resourcesOf(processing, 'AWS::CloudWatch::Alarm');
const stateMachineId = logicalIdOf(orderflow.processing.saga.stateMachine);

// What each env var must point at (logical IDs), per the wiring contract.
const envTargets: Record<string, string> = {
  ORDERS_TABLE: logicalIdOf(tables.orders),
  INVENTORY_TABLE: logicalIdOf(tables.inventory),
  PAYMENTS_TABLE: logicalIdOf(tables.payments),
  SHIPMENTS_TABLE: logicalIdOf(tables.shipments),
  IDEMPOTENCY_TABLE: logicalIdOf(tables.idempotency),
  READ_MODEL_TABLE: logicalIdOf(tables.readModel),
  EVENT_BUS_NAME: logicalIdOf(eventBus),
  CUSTOMER_NOTIFICATIONS_TOPIC_ARN: logicalIdOf(topics.customerNotifications),
  STATE_MACHINE_ARN: stateMachineId,
};

// The wiring contract: function construct path -> [Powertools service, env vars besides Powertools].
const contract: Record<string, [string, string[]]> = {
  'OrdersApi/Resource': ['orders', ['ORDERS_TABLE', 'INVENTORY_TABLE', 'IDEMPOTENCY_TABLE']],
  'OutboxRelay/Function/Resource': ['outbox', ['EVENT_BUS_NAME', 'IDEMPOTENCY_TABLE']],
  'SagaStarter/Function/Resource': ['saga', ['STATE_MACHINE_ARN', 'IDEMPOTENCY_TABLE']],
  'ReserveInventory/Resource': ['inventory', ['INVENTORY_TABLE', 'EVENT_BUS_NAME']],
  'ReleaseInventory/Resource': ['inventory', ['INVENTORY_TABLE', 'EVENT_BUS_NAME']],
  'AuthorizePayment/Resource': ['payments', ['PAYMENTS_TABLE', 'EVENT_BUS_NAME']],
  'RefundPayment/Resource': ['payments', ['PAYMENTS_TABLE', 'EVENT_BUS_NAME']],
  'CreateShipment/Resource': ['shipping', ['SHIPMENTS_TABLE', 'EVENT_BUS_NAME']],
  'CancelShipment/Resource': ['shipping', ['SHIPMENTS_TABLE', 'EVENT_BUS_NAME']],
  'ConfirmOrder/Resource': ['orders', ['ORDERS_TABLE']],
  'CancelOrder/Resource': ['orders', ['ORDERS_TABLE']],
  'Notifier/Function/Resource': ['notifications', ['CUSTOMER_NOTIFICATIONS_TOPIC_ARN', 'IDEMPOTENCY_TABLE']],
  'EmailSender/Function/Resource': ['notifications', ['READ_MODEL_TABLE', 'IDEMPOTENCY_TABLE']],
  'SmsSender/Function/Resource': ['notifications', ['READ_MODEL_TABLE', 'IDEMPOTENCY_TABLE']],
  'Projector/Function/Resource': ['analytics', ['READ_MODEL_TABLE']],
  'SeedCatalog/Resource': ['inventory', ['INVENTORY_TABLE']],
};
const POWERTOOLS_ENV = [
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'POWERTOOLS_LOG_LEVEL',
  'NODE_OPTIONS',
];

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

function statementsOfRole(roleId: string): Statement[] {
  return policies
    .filter(([, p]) => prop<unknown[]>(p, 'Roles').some((r) => referencedLogicalId(r) === roleId))
    .flatMap(([, p]) => prop<{ Statement: Statement[] }>(p, 'PolicyDocument').Statement);
}

/** The logical IDs a function's role may call `service:*` actions on (a table's stream counts as `<id>/stream`). */
function grantedResources(fn: CfnResourceJson, service: string): Set<string> {
  const roleId = referencedLogicalId(prop(fn, 'Role')) ?? '';
  const granted = new Set<string>();
  for (const s of statementsOfRole(roleId)) {
    const actions = [s.Action].flat();
    if (s.Effect !== 'Allow' || !actions.some((a) => a.startsWith(`${service}:`))) continue;
    for (const resource of [s.Resource].flat()) {
      const ref = resolveReference(resource, stateful) ?? resolveReference(resource);
      if (ref) granted.add(ref.attribute === 'StreamArn' ? `${ref.logicalId}/stream` : ref.logicalId);
    }
  }
  return granted;
}

describe('functions', () => {
  it('creates exactly the functions of the wiring contract', () => {
    expect(functions.map(([, fn]) => pathOf(fn).replace('OrderflowProcessing/', '')).sort()).toEqual(
      Object.keys(contract).sort(),
    );
  });

  it('runs every function on nodejs24.x, arm64, with active tracing', () => {
    for (const [id, fn] of functions) {
      expect(fn.Properties, id).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
      });
    }
  });

  it('sends every function log to its own log group with a retention', () => {
    const used = functions.map(([id, fn]) => {
      const logGroupId =
        referencedLogicalId(prop<{ LogGroup: unknown }>(fn, 'LoggingConfig')?.LogGroup) ?? '';
      expect(logGroups.has(logGroupId), `${id} has no explicit log group`).toBe(true);
      expect(prop(logGroups.get(logGroupId) as CfnResourceJson, 'RetentionInDays'), id).toBe(30);
      return logGroupId;
    });
    expect(new Set(used).size).toBe(functions.length);
  });

  it('gives every function the Powertools environment and exactly the env vars of the contract', () => {
    for (const [, fn] of functions) {
      const path = pathOf(fn).replace('OrderflowProcessing/', '');
      const [service, vars] = contract[path] ?? ['?', []];
      const env = prop<{ Variables: Record<string, unknown> }>(fn, 'Environment').Variables;
      expect(Object.keys(env).sort(), path).toEqual([...vars, ...POWERTOOLS_ENV].sort());
      expect(env).toMatchObject({
        POWERTOOLS_SERVICE_NAME: service,
        POWERTOOLS_METRICS_NAMESPACE: 'orderflow',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      });
      for (const name of vars) {
        const target = referencedLogicalId(env[name], stateful) ?? referencedLogicalId(env[name]);
        expect(target, `${path} ${name}`).toBe(envTargets[name]);
      }
    }
  });

  it('grants every function access to exactly the tables, bus, topic and state machine it is configured with', () => {
    const tableIds = new Set(Object.values(tables).map((t) => logicalIdOf(t)));
    for (const [, fn] of functions) {
      // Prepare
      const path = pathOf(fn).replace('OrderflowProcessing/', '');
      const vars = contract[path]?.[1] ?? [];
      const expectedTables = vars.filter((v) => v.endsWith('_TABLE')).map((v) => envTargets[v]);
      // The relay is triggered by the Orders stream, so it reads the stream (not the table).
      if (path.startsWith('OutboxRelay/')) expectedTables.push(`${envTargets.ORDERS_TABLE}/stream`);

      // Act
      const dynamo = [...grantedResources(fn, 'dynamodb')].filter((id) =>
        tableIds.has(id.replace('/stream', '')),
      );

      // Assess
      expect(dynamo.sort(), `${path} dynamodb`).toEqual([...new Set(expectedTables)].sort());
      expect([...grantedResources(fn, 'events')], `${path} events`).toEqual(
        vars.includes('EVENT_BUS_NAME') ? [envTargets.EVENT_BUS_NAME] : [],
      );
      expect([...grantedResources(fn, 'sns')], `${path} sns`).toEqual(
        vars.includes('CUSTOMER_NOTIFICATIONS_TOPIC_ARN')
          ? [envTargets.CUSTOMER_NOTIFICATIONS_TOPIC_ARN]
          : [],
      );
      expect([...grantedResources(fn, 'states')], `${path} states`).toEqual(
        vars.includes('STATE_MACHINE_ARN') ? [stateMachineId] : [],
      );
    }
  });

  it('alarms on the errors of every function', () => {
    for (const [id] of functions) {
      const errorAlarms = alarms.filter(
        ([, a]) =>
          prop(a, 'Namespace') === 'AWS/Lambda' &&
          prop(a, 'MetricName') === 'Errors' &&
          prop<{ Name: string; Value: unknown }[]>(a, 'Dimensions').some(
            (d) => d.Name === 'FunctionName' && referencedLogicalId(d.Value) === id,
          ),
      );
      expect(errorAlarms.length, `${id} has no Errors alarm`).toBe(1);
    }
  });
});

describe('IAM', () => {
  it('allows no Action "*" or "service:*" in any IAM policy', () => {
    const documents = [orderflow.statefulTemplate, processing].flatMap((template) => [
      ...resourcesOf(template, 'AWS::IAM::Policy').map(([, p]) =>
        prop<{ Statement: Statement[] }>(p, 'PolicyDocument'),
      ),
      ...resourcesOf(template, 'AWS::IAM::ManagedPolicy').map(([, p]) =>
        prop<{ Statement: Statement[] }>(p, 'PolicyDocument'),
      ),
      ...resourcesOf(template, 'AWS::IAM::Role').flatMap(([, r]) =>
        (prop<{ PolicyDocument: { Statement: Statement[] } }[] | undefined>(r, 'Policies') ?? []).map(
          (p) => p.PolicyDocument,
        ),
      ),
    ]);
    expect(documents.length).toBeGreaterThan(0);
    const wildcards = documents
      .flatMap((d) => d.Statement)
      .filter((s) => s.Effect === 'Allow')
      .flatMap((s) => [s.Action].flat())
      .filter((action) => action === '*' || /^[\w-]+:\*$/.test(action));
    expect(wildcards).toEqual([]);
  });

  it("uses Resource '*' only for actions that have no resource-level permissions", () => {
    // The cdk-nag IAM5[Resource::*] acknowledgements rest on this.
    const allowed = [
      /^xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)$/,
      /^logs:(CreateLogDelivery|DeleteLogDelivery|GetLogDelivery|ListLogDeliveries|UpdateLogDelivery|DescribeLogGroups|DescribeResourcePolicies|PutResourcePolicy)$/,
      /^dynamodb:ListStreams$/,
    ];
    const starActions = policies
      .flatMap(([, p]) => prop<{ Statement: Statement[] }>(p, 'PolicyDocument').Statement)
      .filter((s) => s.Effect === 'Allow' && [s.Resource].flat().includes('*'))
      .flatMap((s) => [s.Action].flat());
    expect(starActions.length).toBeGreaterThan(0);
    expect(starActions.filter((a) => !allowed.some((pattern) => pattern.test(a)))).toEqual([]);
  });
});
