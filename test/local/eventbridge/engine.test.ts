import { afterEach, describe, expect, it } from 'vitest';
import { AwsApiError } from '#lib/local/core/aws-protocol';
import { timeScale } from '#lib/local/core/time';
import type { ProvisionedResource } from '#lib/local/core/types';
import { EventBridgeEngine } from '#lib/local/eventbridge/engine';
import { physicalName } from '#lib/local/template/physical-name';
import { testContext } from '../support/context.ts';
import { FakeLambda, FakeSns, FakeSqs, FakeStepFunctions, queueArn, resource } from './fakes.ts';

const ACCOUNT = '000000000000';
const busArn = (name: string) => `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/${name}`;
/** The name CloudFormation gives a rule of the test stack that the template does not name. */
const ruleName = (logicalId: string) => physicalName('OrderflowTest', logicalId, { maxLength: 64 });
/** A provisioned rule's name, read from its ARN (`rule/<name>` or `rule/<bus>/<name>`). */
const nameOf = (provisioned: ProvisionedResource) =>
  String(provisioned.attributes.Arn).split('/').at(-1) ?? '';

/** An orderflow OrderPlaced detail, written by hand so `12.50` keeps its trailing zero. */
const placedDetail = (orderId = 'o-1') =>
  `{"metadata":{"eventId":"e-${orderId}","eventType":"OrderPlaced","version":1,"correlationId":"c-${orderId}"},"data":{"orderId":"${orderId}","total":12.50}}`;

const placed = (orderId = 'o-1', bus = 'orders') => ({
  Source: 'orderflow.orders',
  DetailType: 'OrderPlaced',
  Detail: placedDetail(orderId),
  EventBusName: bus,
});

const engines: EventBridgeEngine[] = [];

afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.stop()));
});

const setup = async (scale = 0.01) => {
  const sqs = new FakeSqs();
  const lambda = new FakeLambda();
  const sns = new FakeSns();
  const stepFunctions = new FakeStepFunctions();
  const ctx = testContext({ time: timeScale(scale), services: { sqs, lambda, sns, stepFunctions } });
  const engine = new EventBridgeEngine(ctx, { random: () => 0.5, drainTimeoutMs: 100 });
  engines.push(engine);
  await engine.start();
  const provision = (
    type: string,
    logicalId: string,
    properties: Record<string, unknown>,
  ): Promise<ProvisionedResource> => {
    const provider = engine.providers.find((candidate) => candidate.types.includes(type));
    if (!provider) throw new Error(`no provider for ${type}`);
    return provider.provision(resource(type, logicalId, properties));
  };
  await provision('AWS::Events::EventBus', 'OrdersBus', {
    Name: 'orders',
    Description: 'orderflow domain events',
  });
  /** A rule on the orders bus for OrderPlaced, with the given targets. */
  const rule = (
    logicalId: string,
    targets: Record<string, unknown>[],
    pattern: unknown = { 'detail-type': ['OrderPlaced'] },
  ) =>
    provision('AWS::Events::Rule', logicalId, {
      EventBusName: 'orders',
      EventPattern: pattern,
      State: 'ENABLED',
      Targets: targets,
    });
  const metricCount = (metricName: string, dimensions: Record<string, string>) =>
    ctx.metrics.query({ namespace: 'AWS/Events', metricName, dimensions, start: 0, end: Date.now() + 1 })
      .length;
  return { ctx, engine, sqs, lambda, sns, stepFunctions, provision, rule, metricCount };
};

describe('EventBridgeEngine: routing and the event envelope', () => {
  it('routes an event by detail-type to the SQS target of the matching rule, with the real envelope', async () => {
    const { ctx, engine, sqs, rule } = await setup();
    const provisioned = await rule('OrderPlacedToSaga', [{ Id: 'Target0', Arn: queueArn('saga-start') }], {
      source: ['orderflow.orders'],
      'detail-type': ['OrderPlaced'],
    });
    expect(ctx.services.events).toBe(engine);
    const name = ruleName('OrderPlacedToSaga');
    expect(name).toMatch(/^OrderflowTest-OrderPlacedToSaga-[A-Z0-9]{12}$/);
    expect(provisioned.ref).toBe(`orders|${name}`);
    expect(provisioned.attributes.Arn).toBe(`arn:aws:events:us-east-1:${ACCOUNT}:rule/orders/${name}`);

    const result = await engine.putEvents([
      placed('o-1'),
      { ...placed('o-2'), DetailType: 'OrderShipped', Resources: ['arn:aws:x'] },
    ]);
    expect(result.failedEntryCount).toBe(0);
    expect(await engine.drain()).toBe(true);

    const delivered = sqs.to(queueArn('saga-start'));
    expect(delivered).toHaveLength(1);
    const body = delivered[0]?.body ?? '';
    expect(body).toContain('"total":12.50');
    expect(JSON.parse(body)).toEqual({
      version: '0',
      id: result.entries[0]?.EventId,
      'detail-type': 'OrderPlaced',
      source: 'orderflow.orders',
      account: ACCOUNT,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'us-east-1',
      resources: [],
      detail: JSON.parse(placedDetail('o-1')),
    });
    expect(ctx.trace.events.filter((event) => event.service === 'eventbridge')).toEqual([
      {
        event: 'OrderPlaced',
        service: 'eventbridge',
        outcome: '→ 1 rule',
        orderId: 'o-1',
        correlationId: 'c-o-1',
      },
      {
        event: 'OrderShipped',
        service: 'eventbridge',
        outcome: '→ 0 rules',
        orderId: 'o-2',
        correlationId: 'c-o-2',
      },
    ]);
  });

  it('gives a rule on the default bus its name as Ref and an ARN without the bus', async () => {
    const { provision } = await setup();
    const provisioned = await provision('AWS::Events::Rule', 'Audit', { EventPattern: { source: ['x'] } });
    const name = ruleName('Audit');
    expect(name).toMatch(/^OrderflowTest-Audit-[A-Z0-9]{12}$/);
    expect(provisioned).toEqual({
      ref: name,
      attributes: { Arn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/${name}` },
    });
  });

  it('does not route to a disabled rule', async () => {
    const { engine, sqs, provision } = await setup();
    await provision('AWS::Events::Rule', 'Off', {
      EventBusName: 'orders',
      EventPattern: { 'detail-type': ['OrderPlaced'] },
      State: 'DISABLED',
      Targets: [{ Id: 'T', Arn: queueArn('off') }],
    });
    await engine.putEvents([placed()]);
    await engine.drain();
    expect(sqs.sent).toHaveLength(0);
  });

  it('delivers asynchronously: PutEvents answers while a Lambda target is still running', async () => {
    const { engine, lambda, rule } = await setup();
    await rule('ToLambda', [{ Id: 'Fn', Arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:notifier` }]);
    let release = () => {};
    lambda.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const result = await engine.putEvents([placed()]);
    expect(result.entries[0]?.EventId).toBeDefined();
    await expect.poll(() => lambda.invocations.length).toBe(1);
    expect(engine.pendingDeliveries).toBe(1);
    release();
    expect(await engine.drain()).toBe(true);
    expect(lambda.invocations[0]?.payload).toMatchObject({
      'detail-type': 'OrderPlaced',
      detail: { data: { orderId: 'o-1', total: 12.5 } },
    });
  });

  it('delivers to SNS, Step Functions and another event bus', async () => {
    const { engine, sqs, sns, stepFunctions, provision, rule } = await setup();
    await provision('AWS::Events::Rule', 'Forward', {
      EventPattern: { source: ['legacy'] },
      Targets: [{ Id: 'ToOrders', Arn: busArn('orders') }],
    });
    await rule('Fanout', [
      { Id: 'Topic', Arn: `arn:aws:sns:us-east-1:${ACCOUNT}:customer-notifications` },
      {
        Id: 'Saga',
        Arn: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:OrderSaga`,
        InputPath: '$.detail',
      },
      { Id: 'Queue', Arn: queueArn('orders-from-anywhere') },
    ]);
    await engine.putEvents([{ ...placed('o-9', 'default'), Source: 'legacy' }]);
    expect(await engine.drain()).toBe(true);
    expect(sns.published).toHaveLength(1);
    expect(JSON.parse(sns.published[0]?.message ?? '{}')).toMatchObject({
      source: 'legacy',
      detail: { data: { orderId: 'o-9' } },
    });
    expect(stepFunctions.started).toEqual([
      {
        stateMachineArn: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:OrderSaga`,
        input: placedDetail('o-9'),
      },
    ]);
    expect(sqs.to(queueArn('orders-from-anywhere'))).toHaveLength(1);
  });

  it('needs SqsParameters.MessageGroupId for a FIFO queue target, and sends with it and the event id as deduplication id', async () => {
    const { engine, sqs, rule } = await setup();
    await expect(rule('NoGroup', [{ Id: 'T', Arn: queueArn('audit.fifo') }])).rejects.toThrow(
      'Parameter(s) SqsParameters must be specified for target: T.',
    );
    await rule('Grouped', [
      { Id: 'T', Arn: queueArn('audit.fifo'), SqsParameters: { MessageGroupId: 'orders' } },
    ]);
    const result = await engine.putEvents([placed()]);
    await engine.drain();
    expect(sqs.to(queueArn('audit.fifo'))).toMatchObject([
      { messageGroupId: 'orders', messageDeduplicationId: result.entries[0]?.EventId },
    ]);
  });
});

describe('EventBridgeEngine: target input', () => {
  it('shapes what each target receives with Input, InputPath and InputTransformer', async () => {
    const { engine, sqs, rule } = await setup();
    const shapes = await rule('Shapes', [
      { Id: 'Path', Arn: queueArn('path'), InputPath: '$.detail.data' },
      {
        Id: 'Json',
        Arn: queueArn('json'),
        InputTransformer: {
          InputPathsMap: {
            orderId: '$.detail.data.orderId',
            total: '$.detail.data.total',
            nothing: '$.detail.nope',
          },
          InputTemplate:
            '{\n  "orderId": <orderId>,\n  "total": <total>,\n  "summary": "order <orderId> costs <total>",\n  "rule": <aws.events.rule-name>,\n  "nothing": <nothing>\n}',
        },
      },
      {
        Id: 'Text',
        Arn: queueArn('text'),
        InputTransformer: {
          InputPathsMap: { orderId: '$.detail.data.orderId' },
          InputTemplate: '"Order <orderId> was placed"',
        },
      },
      { Id: 'Constant', Arn: queueArn('constant'), Input: '{"fixed": 1.0}' },
    ]);
    await engine.putEvents([placed('o-7')]);
    expect(await engine.drain()).toBe(true);

    expect(sqs.to(queueArn('path'))[0]?.body).toBe('{"orderId":"o-7","total":12.50}');
    // JSON templates are minified; a placeholder in quotes gets the raw text, one outside quotes its JSON.
    expect(sqs.to(queueArn('json'))[0]?.body).toBe(
      `{"orderId":"o-7","total":12.50,"summary":"order o-7 costs 12.50","rule":"${nameOf(shapes)}","nothing":""}`,
    );
    expect(sqs.to(queueArn('text'))[0]?.body).toBe('Order o-7 was placed');
    expect(sqs.to(queueArn('constant'))[0]?.body).toBe('{"fixed": 1.0}');
  });

  it('refuses a target with more than one of Input, InputPath and InputTransformer', async () => {
    const { rule } = await setup();
    await expect(
      rule('Both', [{ Id: 'T', Arn: queueArn('q'), Input: '{}', InputPath: '$' }]),
    ).rejects.toThrow('Only one of Input, InputPath, or InputTransformer must be provided for target T.');
  });
});

describe('EventBridgeEngine: retries and dead-letter queues', () => {
  it('retries a failing target with scaled exponential backoff, then dead-letters it with the error attributes', async () => {
    const { ctx, engine, sqs, rule, metricCount } = await setup(0.01);
    sqs.failures.set(queueArn('flaky'), () => new Error('the queue is on fire'));
    const flaky = await rule('Flaky', [
      {
        Id: 'Target0',
        Arn: queueArn('flaky'),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: queueArn('flaky-dlq') },
      },
    ]);
    const result = await engine.putEvents([placed('o-3')]);
    expect(await engine.drain()).toBe(true);

    const attempts = sqs.calls.filter((call) => call.queue === queueArn('flaky'));
    expect(attempts).toHaveLength(3);
    // Backoff 1 s then 2 s with equal jitter (random 0.5 -> 0.75 s, 1.5 s), scaled by 0.01: 7.5 ms and 15 ms.
    const [first, second, third] = attempts.map((attempt) => attempt.at);
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(6);
    expect((third ?? 0) - (second ?? 0)).toBeGreaterThanOrEqual(13);
    expect((third ?? 0) - (first ?? 0)).toBeLessThan(500);

    const [dead] = sqs.to(queueArn('flaky-dlq'));
    expect(JSON.parse(dead?.body ?? '{}')).toMatchObject({
      id: result.entries[0]?.EventId,
      'detail-type': 'OrderPlaced',
    });
    const string = (value: string) => ({ DataType: 'String', StringValue: value });
    expect(dead?.messageAttributes).toEqual({
      RULE_ARN: string(String(flaky.attributes.Arn)),
      TARGET_ARN: string(queueArn('flaky')),
      ERROR_CODE: string('ERROR_FROM_TARGET'),
      ERROR_MESSAGE: string('the queue is on fire'),
      EXHAUSTED_RETRY_CONDITION: string('MaximumRetryAttempts'),
      RETRY_ATTEMPTS: string('2'),
    });

    const dimensions = { EventBusName: 'orders', RuleName: nameOf(flaky) };
    expect(metricCount('InvocationAttempts', dimensions)).toBe(3);
    expect(metricCount('RetryInvocationAttempts', dimensions)).toBe(2);
    expect(metricCount('FailedInvocations', dimensions)).toBe(1);
    expect(metricCount('InvocationsSentToDlq', dimensions)).toBe(1);
    expect(ctx.trace.events.filter((event) => event.service === `eventbridge:${nameOf(flaky)}`)).toEqual([
      expect.objectContaining({ orderId: 'o-3', outcome: 'retry 1: ERROR_FROM_TARGET' }),
      expect.objectContaining({ orderId: 'o-3', outcome: 'retry 2: ERROR_FROM_TARGET' }),
      expect.objectContaining({
        orderId: 'o-3',
        outcome: 'dead-lettered: ERROR_FROM_TARGET (MaximumRetryAttempts)',
      }),
    ]);
  });

  it('stops retrying when MaximumEventAgeInSeconds (scaled) runs out before MaximumRetryAttempts', async () => {
    const { engine, sqs, rule } = await setup(0.001);
    sqs.failures.set(queueArn('down'), () => new Error('still down'));
    await rule('Aging', [
      {
        Id: 'T',
        Arn: queueArn('down'),
        RetryPolicy: { MaximumEventAgeInSeconds: 60 },
        DeadLetterConfig: { Arn: queueArn('down-dlq') },
      },
    ]);
    await engine.putEvents([placed()]);
    expect(await engine.drain()).toBe(true);
    const attributes = sqs.to(queueArn('down-dlq'))[0]?.messageAttributes;
    expect(attributes?.EXHAUSTED_RETRY_CONDITION?.StringValue).toBe('MaximumEventAgeInSeconds');
    const retries = Number(attributes?.RETRY_ATTEMPTS?.StringValue);
    // 60 s at a scale of 0.001 is 60 ms: a handful of retries at most, far fewer than the default 185.
    expect(retries).toBeLessThan(10);
  });

  it('sends a permanent failure (the target does not exist) to the DLQ at once, without retries', async () => {
    const { engine, sqs, rule, metricCount } = await setup();
    sqs.failures.set(
      queueArn('gone'),
      () => new AwsApiError('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.'),
    );
    const gone = await rule('Gone', [
      { Id: 'T', Arn: queueArn('gone'), DeadLetterConfig: { Arn: queueArn('gone-dlq') } },
    ]);
    await engine.putEvents([placed()]);
    expect(await engine.drain()).toBe(true);
    expect(sqs.calls.filter((call) => call.queue === queueArn('gone'))).toHaveLength(1);
    const attributes = sqs.to(queueArn('gone-dlq'))[0]?.messageAttributes ?? {};
    expect(attributes.ERROR_CODE?.StringValue).toBe('NO_RESOURCE');
    expect(attributes.RETRY_ATTEMPTS?.StringValue).toBe('0');
    expect(attributes.EXHAUSTED_RETRY_CONDITION).toBeUndefined();
    expect(metricCount('DeadLetterInvocations', { EventBusName: 'orders', RuleName: nameOf(gone) })).toBe(1);
  });

  it('drops an undeliverable event without a DLQ and says so in the log', async () => {
    const { ctx, engine, sqs, rule } = await setup();
    sqs.failures.set(queueArn('nowhere'), () => new AwsApiError('AccessDenied', 'no', 403));
    await rule('NoDlq', [{ Id: 'T', Arn: queueArn('nowhere') }]);
    await engine.putEvents([placed()]);
    expect(await engine.drain()).toBe(true);
    expect(ctx.logs.join('\n')).toMatch(/failed and has no dead-letter queue: NO_PERMISSIONS/);
  });

  it('reports the deliveries stop() had to drop', async () => {
    const { ctx, engine, sqs, rule } = await setup(1);
    sqs.failures.set(queueArn('slow'), () => new Error('later'));
    await rule('Slow', [{ Id: 'T', Arn: queueArn('slow') }]);
    await engine.putEvents([placed()]);
    await expect.poll(() => sqs.calls.length).toBe(1);
    await engine.stop();
    expect(engine.pendingDeliveries).toBe(0);
    expect(ctx.logs.join('\n')).toMatch(/1 event deliveries were still pending at shutdown and were dropped/);
  });
});

describe('EventBridgeEngine: PutEvents validation', () => {
  it('fails only the invalid entries, each with the error code AWS gives it', async () => {
    const { ctx, engine } = await setup();
    const base = { Source: 'orderflow.orders', DetailType: 'OrderPlaced', Detail: '{"a":1}' };
    const result = await engine.putEvents([
      base,
      { DetailType: 'X', Detail: '{}' },
      { Source: 's', Detail: '{}' },
      { Source: 's', DetailType: 'X' },
      { ...base, Detail: 'not json' },
      { ...base, Detail: '[1, 2]' },
      { ...base, Source: 'aws.s3' },
    ]);
    expect(result.failedEntryCount).toBe(6);
    expect(result.entries[0]).toEqual({ EventId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(result.entries.slice(1)).toEqual([
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
      },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' },
    ]);
    expect(ctx.trace.events.map((event) => event.outcome)).toContain('rejected: MalformedDetail');
  });

  it('refuses a request with no entry, more than 10 entries, or more than 256 KB', async () => {
    const { engine } = await setup();
    const entry = { Source: 's', DetailType: 'd', Detail: '{}' };
    await expect(engine.putEvents([])).rejects.toMatchObject({ code: 'ValidationException' });
    await expect(engine.putEvents(new Array(11).fill(entry))).rejects.toMatchObject({
      code: 'ValidationException',
      message: expect.stringContaining('less than or equal to 10'),
    });
    const big = { ...entry, Detail: JSON.stringify({ blob: 'x'.repeat(140 * 1024) }) };
    await expect(engine.putEvents([big, big])).rejects.toMatchObject({
      code: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
  });
});

describe('EventBridgeEngine: archives and metrics', () => {
  it('archives every event matching the archive pattern, through a managed rule, and can replay them', async () => {
    const { engine, sqs, provision, rule } = await setup();
    const everything = await provision('AWS::Events::Archive', 'BusArchive', {
      SourceArn: busArn('orders'),
      EventPattern: { account: [ACCOUNT] },
      RetentionDays: 90,
      KmsKeyIdentifier: '',
    });
    // Archive names are at most 48 characters.
    const archiveName = physicalName('OrderflowTest', 'BusArchive', { maxLength: 48 });
    expect(archiveName).toMatch(/^OrderflowTest-BusArchive-[A-Z0-9]{12}$/);
    expect(everything).toEqual({
      ref: archiveName,
      attributes: {
        Arn: `arn:aws:events:us-east-1:${ACCOUNT}:archive/${archiveName}`,
        ArchiveName: archiveName,
      },
    });
    await provision('AWS::Events::Archive', 'PlacedArchive', {
      ArchiveName: 'placed',
      SourceArn: busArn('orders'),
      EventPattern: { 'detail-type': ['OrderPlaced'] },
    });
    await rule('Saga', [{ Id: 'T', Arn: queueArn('saga') }]);

    await engine.putEvents([
      placed('o-1'),
      { ...placed('o-2'), DetailType: 'OrderShipped' },
      placed('o-3', 'default'),
    ]);
    await engine.drain();
    expect(engine.archivedEvents(archiveName).map(({ event }) => event['detail-type'])).toEqual([
      'OrderPlaced',
      'OrderShipped',
    ]);
    expect(engine.archivedEvents('placed')).toHaveLength(1);
    expect(engine.listArchives({}).Archives).toEqual([
      expect.objectContaining({
        ArchiveName: archiveName,
        EventCount: 2,
        RetentionDays: 90,
        State: 'ENABLED',
      }),
      expect.objectContaining({ ArchiveName: 'placed', EventCount: 1, EventSourceArn: busArn('orders') }),
    ]);
    expect(engine.listRules({ EventBusName: 'orders', NamePrefix: 'Events-Archive-' }).Rules).toEqual([
      expect.objectContaining({
        Name: `Events-Archive-${archiveName}`,
        ManagedBy: 'events.amazonaws.com',
      }),
      expect.objectContaining({ Name: 'Events-Archive-placed' }),
    ]);

    expect(engine.replayArchive('placed', 'replay-1', new Date(0), new Date(Date.now() + 60_000))).toBe(1);
    await engine.drain();
    const replayed = sqs.to(queueArn('saga')).map((message) => JSON.parse(message.body));
    expect(replayed).toHaveLength(2);
    expect(replayed[1]).toMatchObject({ 'replay-name': 'replay-1', detail: { data: { orderId: 'o-1' } } });
    // Replayed events are not archived again.
    expect(engine.archivedEvents('placed')).toHaveLength(1);
  });

  it('records the AWS/Events metrics: MatchedEvents, TriggeredRules and Invocations, by rule and bus', async () => {
    const { engine, rule, provision, metricCount } = await setup();
    const saga = nameOf(await rule('Saga', [{ Id: 'T', Arn: queueArn('saga') }]));
    const audit = await provision('AWS::Events::Rule', 'Audit', {
      EventPattern: { source: ['orderflow.orders'] },
      Targets: [{ Id: 'T', Arn: queueArn('audit') }],
    });
    await engine.putEvents([
      placed('o-1'),
      placed('o-2'),
      placed('o-3', 'default'),
      { ...placed(), DetailType: 'Other' },
    ]);
    await engine.drain();
    expect(metricCount('MatchedEvents', {})).toBe(3);
    expect(metricCount('TriggeredRules', { EventBusName: 'orders', RuleName: saga })).toBe(2);
    expect(metricCount('Invocations', { EventBusName: 'orders', RuleName: saga })).toBe(2);
    // A rule on the default bus is measured by RuleName alone (its Ref).
    expect(metricCount('TriggeredRules', { RuleName: audit.ref })).toBe(1);
    expect(metricCount('Invocations', { RuleName: audit.ref })).toBe(1);
    expect(metricCount('FailedInvocations', { EventBusName: 'orders', RuleName: saga })).toBe(0);
  });
});
