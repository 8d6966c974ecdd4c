import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListArchivesCommand,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeServer } from '#lib/local/core/edge-server';
import { EventBridgeEngine } from '#lib/local/eventbridge/engine';
import { testContext } from '../support/context.ts';
import { FakeSqs, queueArn } from './fakes.ts';

const run = promisify(execFile);
const ACCOUNT = '000000000000';

const event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'OrderPlaced',
  source: 'orderflow.orders',
  account: ACCOUNT,
  time: '2026-01-02T03:04:05Z',
  region: 'us-east-1',
  resources: [],
  detail: { data: { orderId: 'o-1', total: 30 } },
};

const hasAwsCli = await run('aws', ['--version']).then(
  () => true,
  () => false,
);

let engine: EventBridgeEngine;
let edge: EdgeServer;
let client: EventBridgeClient;
const sqs = new FakeSqs();

beforeAll(async () => {
  const ctx = testContext({ services: { sqs } });
  engine = new EventBridgeEngine(ctx);
  await engine.start();
  edge = new EdgeServer({ port: 0, handlers: () => engine.handlers, health: () => ({ status: 'ready' }) });
  await edge.start();
  client = new EventBridgeClient({
    endpoint: edge.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const provider = engine.providers.find((candidate) => candidate.types.includes('AWS::Events::EventBus'));
  await provider?.provision({
    stackName: 'S',
    logicalId: 'Bus',
    type: 'AWS::Events::EventBus',
    properties: { Name: 'orders' },
  });
});

afterAll(async () => {
  client?.destroy();
  await edge?.stop();
  await engine?.stop();
});

describe('the EventBridge API on the edge endpoint (AWS SDK v3)', () => {
  it('PutEvents accepts entries and reports the invalid ones per entry', async () => {
    await client.send(
      new PutRuleCommand({
        Name: 'to-queue',
        EventBusName: 'orders',
        EventPattern: '{"detail-type":["OrderPlaced"]}',
      }),
    );
    await client.send(
      new PutTargetsCommand({
        Rule: 'to-queue',
        EventBusName: 'orders',
        Targets: [{ Id: 'q', Arn: queueArn('wire') }],
      }),
    );
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'orderflow.orders',
            DetailType: 'OrderPlaced',
            Detail: '{"data":{"orderId":"o-1"}}',
            EventBusName: 'orders',
          },
          { Source: 'orderflow.orders', DetailType: 'OrderPlaced', Detail: 'nope', EventBusName: 'orders' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.Entries?.[1]).toEqual({
      ErrorCode: 'MalformedDetail',
      ErrorMessage: 'Detail is malformed.',
    });
    await engine.drain();
    expect(JSON.parse(sqs.to(queueArn('wire'))[0]?.body ?? '{}')).toMatchObject({
      id: result.Entries?.[0]?.EventId,
    });
  });

  it('TestEventPattern says whether an event matches', async () => {
    const matching = await client.send(
      new TestEventPatternCommand({
        EventPattern: JSON.stringify({
          source: ['orderflow.orders'],
          detail: { data: { total: [{ numeric: ['>', 10] }] } },
        }),
        Event: JSON.stringify(event),
      }),
    );
    expect(matching.Result).toBe(true);
    const other = await client.send(
      new TestEventPatternCommand({
        EventPattern: '{"detail-type":["OrderShipped"]}',
        Event: JSON.stringify(event),
      }),
    );
    expect(other.Result).toBe(false);
    // The Event is read with its numbers as written: 300 in a pattern does not match 300.0.
    const exact = await client.send(
      new TestEventPatternCommand({
        EventPattern: '{"detail":{"n":[300]}}',
        Event: JSON.stringify(event).replace('"detail":{', '"detail":{"n":300.0,'),
      }),
    );
    expect(exact.Result).toBe(false);
  });

  it('TestEventPattern refuses an invalid pattern with InvalidEventPatternException', async () => {
    await expect(
      client.send(
        new TestEventPatternCommand({
          EventPattern: '{"source":"orderflow.orders"}',
          Event: JSON.stringify(event),
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidEventPatternException',
      message: 'Event pattern is not valid. Reason: "source" must be an object or an array',
    });
  });

  it('TestEventPattern refuses an event without the required envelope fields with ValidationException', async () => {
    const { id: _id, ...withoutId } = event;
    await expect(
      client.send(
        new TestEventPatternCommand({ EventPattern: '{"source":["x"]}', Event: JSON.stringify(withoutId) }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException', message: 'Parameter Event is not valid.' });
  });

  // API reference, TestEventPattern: EventPattern "Length Constraints: Maximum length of 4096" (as in PutRule).
  it('TestEventPattern refuses a pattern longer than 4096 characters with ValidationException', async () => {
    const long = JSON.stringify({ source: ['x'.repeat(4096 - '{"source":[""]}'.length + 1)] });
    expect(long).toHaveLength(4097);
    await expect(
      client.send(new TestEventPatternCommand({ EventPattern: long, Event: JSON.stringify(event) })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('4096') });
    const longest = JSON.stringify({ source: ['x'.repeat(4096 - '{"source":[""]}'.length)] });
    const answer = await client.send(
      new TestEventPatternCommand({ EventPattern: longest, Event: JSON.stringify(event) }),
    );
    expect(answer.Result).toBe(false);
  });

  it('ListRules filters by bus and name prefix and pages with NextToken', async () => {
    for (const name of ['alpha-1', 'alpha-2', 'beta-1']) {
      await client.send(
        new PutRuleCommand({ Name: name, EventBusName: 'orders', EventPattern: '{"source":["x"]}' }),
      );
    }
    const first = await client.send(
      new ListRulesCommand({ EventBusName: 'orders', NamePrefix: 'alpha-', Limit: 1 }),
    );
    expect(first.Rules?.map((rule) => rule.Name)).toEqual(['alpha-1']);
    expect(first.NextToken).toBeDefined();
    const second = await client.send(
      new ListRulesCommand({
        EventBusName: 'orders',
        NamePrefix: 'alpha-',
        Limit: 1,
        NextToken: first.NextToken,
      }),
    );
    expect(second.Rules?.map((rule) => rule.Name)).toEqual(['alpha-2']);
    expect(second.NextToken).toBeUndefined();
    const onDefault = await client.send(new ListRulesCommand({ NamePrefix: 'alpha-' }));
    expect(onDefault.Rules).toEqual([]);
  });

  it('DescribeRule describes a rule, and names the missing one with ResourceNotFoundException', async () => {
    await client.send(
      new PutRuleCommand({
        Name: 'described',
        EventBusName: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/orders`,
        EventPattern: '{"detail-type":["OrderPlaced"]}',
        Description: 'for the test',
      }),
    );
    const rule = await client.send(new DescribeRuleCommand({ Name: 'described', EventBusName: 'orders' }));
    expect(rule).toMatchObject({
      Name: 'described',
      Arn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/orders/described`,
      EventPattern: '{"detail-type":["OrderPlaced"]}',
      State: 'ENABLED',
      Description: 'for the test',
      EventBusName: 'orders',
      CreatedBy: ACCOUNT,
    });
    await expect(
      client.send(new DescribeRuleCommand({ Name: 'nope', EventBusName: 'orders' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Rule nope does not exist on EventBus orders.',
    });
  });

  // API reference, DescribeRule and DeleteRule: Name "Length Constraints: Minimum length of 1. Maximum length of 64.
  // Pattern: [\.\-_A-Za-z0-9]+", checked before the rule is looked up.
  it('DescribeRule and DeleteRule refuse a name outside the pattern or over 64 characters with ValidationException', async () => {
    for (const send of [
      (Name: string) => client.send(new DescribeRuleCommand({ Name, EventBusName: 'orders' })),
      (Name: string) => client.send(new DeleteRuleCommand({ Name, EventBusName: 'orders' })),
    ]) {
      await expect(send('bad name!')).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining(
          "Value 'bad name!' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern",
        ),
      });
      await expect(send('r'.repeat(65))).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining('Member must have length less than or equal to 64'),
      });
    }
  });

  it('PutRule refuses an invalid pattern; targets can be listed, removed, and the rule deleted', async () => {
    await expect(
      client.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"source":[{"wildcard":"a**"}]}' })),
    ).rejects.toMatchObject({ name: 'InvalidEventPatternException' });
    await client.send(new PutRuleCommand({ Name: 'temp', EventPattern: '{"source":["x"]}' }));
    await client.send(
      new PutTargetsCommand({
        Rule: 'temp',
        Targets: [
          {
            Id: 't1',
            Arn: queueArn('a'),
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 120 },
          },
        ],
      }),
    );
    const targets = await client.send(new ListTargetsByRuleCommand({ Rule: 'temp' }));
    expect(targets.Targets).toEqual([
      {
        Id: 't1',
        Arn: queueArn('a'),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 120 },
      },
    ]);
    await expect(client.send(new DeleteRuleCommand({ Name: 'temp' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: "Rule can't be deleted since it has targets.",
    });
    const removed = await client.send(new RemoveTargetsCommand({ Rule: 'temp', Ids: ['t1', 't2'] }));
    expect(removed.FailedEntryCount).toBe(1);
    await client.send(new DeleteRuleCommand({ Name: 'temp' }));
    await expect(client.send(new DescribeRuleCommand({ Name: 'temp' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('ListEventBuses, DescribeEventBus and ListArchives describe the buses and archives', async () => {
    const buses = await client.send(new ListEventBusesCommand({}));
    expect(buses.EventBuses?.map((bus) => bus.Name)).toEqual(['default', 'orders']);
    expect(buses.EventBuses?.[0]?.CreationTime).toBeInstanceOf(Date);
    const orders = await client.send(new DescribeEventBusCommand({ Name: 'orders' }));
    expect(orders.Arn).toBe(`arn:aws:events:us-east-1:${ACCOUNT}:event-bus/orders`);
    await expect(client.send(new DescribeEventBusCommand({ Name: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    const archives = await client.send(new ListArchivesCommand({}));
    expect(archives.Archives).toEqual([]);
  });
});

describe('the EventBridge API with the AWS CLI', () => {
  it.runIf(hasAwsCli)('aws events test-event-pattern answers {"Result": true}', async () => {
    const { stdout } = await run(
      'aws',
      [
        '--endpoint-url',
        edge.url,
        '--output',
        'json',
        'events',
        'test-event-pattern',
        '--event-pattern',
        JSON.stringify({ source: ['orderflow.orders'], 'detail-type': [{ prefix: 'Order' }] }),
        '--event',
        JSON.stringify(event),
      ],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_PAGER: '',
        },
      },
    );
    expect(JSON.parse(stdout)).toEqual({ Result: true });
  });
});
