import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { StatefulStack } from '#lib/stacks/stateful-stack';
import {
  type CfnResourceJson,
  logicalIdOf,
  newApp,
  pathOf,
  prop,
  referencedLogicalId,
  resourcesOf,
  synthesizeOrderflow,
} from './support/orderflow-app';

// Prepare (once for the file).
const orderflow = synthesizeOrderflow();
const stateful = orderflow.statefulTemplate;
const tables = resourcesOf(stateful, 'AWS::DynamoDB::Table');

interface KeySchema {
  AttributeName: string;
  KeyType: string;
}

describe('tables', () => {
  it('makes every table on-demand, with point-in-time recovery and server-side encryption', () => {
    expect(tables.length).toBe(6);
    for (const [id, table] of tables) {
      expect(table.Properties, id).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    }
  });

  it('keys, streams and expires the tables as the contract says', () => {
    const byId = (construct: Parameters<typeof logicalIdOf>[0]) =>
      tables.find(([id]) => id === logicalIdOf(construct))?.[1] as CfnResourceJson;
    const keys = (table: CfnResourceJson) =>
      prop<KeySchema[]>(table, 'KeySchema').map((k) => `${k.AttributeName}:${k.KeyType}`);
    const t = orderflow.stateful.tables;

    expect(keys(byId(t.orders))).toEqual(['pk:HASH']);
    expect(prop(byId(t.orders), 'StreamSpecification')).toEqual({ StreamViewType: 'NEW_IMAGE' });
    expect(prop(byId(t.orders), 'TimeToLiveSpecification')).toEqual({
      AttributeName: 'expiresAt',
      Enabled: true,
    });
    expect(keys(byId(t.idempotency))).toEqual(['id:HASH']);
    expect(prop(byId(t.idempotency), 'TimeToLiveSpecification')).toEqual({
      AttributeName: 'expiration',
      Enabled: true,
    });
    expect(keys(byId(t.readModel))).toEqual(['pk:HASH', 'sk:RANGE']);
    for (const table of [t.inventory, t.payments, t.shipments])
      expect(keys(byId(table))).toEqual(['pk:HASH']);
  });

  it('retains stateful resources by default and destroys them with orderflow:removalPolicy=destroy', () => {
    // Prepare
    const destroyable = Template.fromStack(
      new StatefulStack(newApp({ 'orderflow:removalPolicy': 'destroy' }), 'OrderflowStateful'),
    );
    const retained = [
      'AWS::DynamoDB::Table',
      'AWS::Events::EventBus',
      'AWS::Events::Archive',
      'AWS::KMS::Key',
    ];

    // Assess
    for (const type of retained) {
      for (const [id, r] of resourcesOf(stateful, type))
        expect(r.DeletionPolicy, `${id} default`).toBe('Retain');
      for (const [id, r] of resourcesOf(destroyable, type))
        expect(r.DeletionPolicy, `${id} destroy`).toBe('Delete');
    }
  });

  it('rejects an unknown orderflow:removalPolicy, naming it', () => {
    expect(() => new StatefulStack(newApp({ 'orderflow:removalPolicy': 'keep' }), 'S')).toThrow(
      /orderflow:removalPolicy.*'keep'/,
    );
  });
});

describe('event bus', () => {
  it('archives every event of the account published on the bus', () => {
    const [busId] = resourcesOf(stateful, 'AWS::Events::EventBus').map(([id]) => id);
    const archives = resourcesOf(stateful, 'AWS::Events::Archive');
    expect(archives.length).toBe(1);
    const [, archive] = archives[0] as [string, CfnResourceJson];
    expect(referencedLogicalId(prop(archive, 'SourceArn'))).toBe(busId);
    expect(prop(archive, 'EventPattern')).toEqual({ account: [{ Ref: 'AWS::AccountId' }] });
  });
});

describe('topics', () => {
  const topics = resourcesOf(stateful, 'AWS::SNS::Topic');
  const keys = new Map(resourcesOf(stateful, 'AWS::KMS::Key'));

  it('encrypts every topic with a rotating customer managed key and accepts TLS only', () => {
    const topicPolicies = resourcesOf(stateful, 'AWS::SNS::TopicPolicy');
    expect(topics.length).toBe(2);
    for (const [id, topic] of topics) {
      const key = keys.get(referencedLogicalId(prop(topic, 'KmsMasterKeyId')) ?? '');
      expect(key, `${id} is not encrypted with a key of this stack`).toBeDefined();
      expect(prop(key as CfnResourceJson, 'EnableKeyRotation')).toBe(true);
      const tlsOnly = topicPolicies.some(
        ([, p]) =>
          prop<unknown[]>(p, 'Topics').some((t) => referencedLogicalId(t) === id) &&
          prop<{ Statement: Record<string, unknown>[] }>(p, 'PolicyDocument').Statement.some(
            (s) =>
              s.Effect === 'Deny' &&
              JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
          ),
      );
      expect(tlsOnly, `${pathOf(topic)} accepts non-TLS publishes`).toBe(true);
    }
  });

  it('lets CloudWatch alarms publish to the encrypted ops-alerts topic', () => {
    // Prepare
    const opsAlertsId = logicalIdOf(orderflow.stateful.topics.opsAlerts);
    const keyPolicy = prop<{ Statement: Record<string, unknown>[] }>(
      keys.get(logicalIdOf(orderflow.stateful.topics.key)) as CfnResourceJson,
      'KeyPolicy',
    );
    const topicPolicy = resourcesOf(stateful, 'AWS::SNS::TopicPolicy').find(([, p]) =>
      prop<unknown[]>(p, 'Topics').some((t) => referencedLogicalId(t) === opsAlertsId),
    )?.[1] as CfnResourceJson;
    const cloudwatch = { Service: 'cloudwatch.amazonaws.com' };

    // Assess
    expect(keyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: cloudwatch,
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
    expect(prop<{ Statement: unknown[] }>(topicPolicy, 'PolicyDocument').Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Principal: cloudwatch, Action: 'sns:Publish' }),
    );
  });
});
