import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { timeScale } from '#lib/local/core/time';
import { md5OfMessageAttributes, readBatchResponse } from '#lib/local/lambda/sqs-poller';
import {
  eventually,
  FakeSqs,
  functionResource,
  mappingResource,
  printed,
  startEngine,
  tempDir,
  writeHandler,
} from './support.ts';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:orders';
const temp = tempDir();
afterAll(() => temp.remove());

let stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.map((stop) => stop()));
  stops = [];
});

/**
 * The consumer prints one JSON line per batch: the bodies it got, and when it started and ended. It fails
 * bodies starting with `bad` (per mode), waits `wait` ms when a body says `wait:<ms>`.
 */
let consumer: string;
beforeAll(() => {
  consumer = writeHandler(
    temp.dir,
    'consumer',
    `export const handler = async (event) => {
       const started = Date.now();
       const bodies = event.Records.map((r) => r.body);
       const wait = Math.max(0, ...bodies.map((b) => Number(/^wait:(\\d+)/.exec(b)?.[1] ?? 0)));
       if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
       console.log(JSON.stringify({ bodies, started, ended: Date.now(), record: event.Records[0] }));
       const mode = process.env.MODE;
       const bad = event.Records.filter((r) => r.body.startsWith('bad'));
       if (mode === 'throw' && bad.length) throw new Error('batch refused');
       if (mode === 'report') return { batchItemFailures: bad.map((r) => ({ itemIdentifier: r.messageId })) };
       if (mode === 'unknown-id' && bad.length) return { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] };
       if (mode === 'empty-id' && bad.length) return { batchItemFailures: [{ itemIdentifier: '' }] };
       if (mode === 'wrong-shape' && bad.length) return { batchItemFailures: bad.map((r) => r.messageId) };
       if (mode === 'null') return null;
       return { batchItemFailures: [] };
     };`,
  );
});

const setup = async (
  options: {
    mode?: string;
    mapping?: Record<string, unknown>;
    function?: Record<string, unknown>;
    visibility?: number;
    scale?: number;
  } = {},
) => {
  const sqs = new FakeSqs(options.visibility ?? 30);
  const started = await startEngine({
    debug: true,
    time: timeScale(options.scale ?? 0.01),
    services: { sqs },
  });
  stops.push(() => started.engine.stop());
  // The mapping names the function by its Ref, as a template does ({ Ref: Consumer }).
  const { ref: functionName } = await started.provision(
    functionResource('Consumer', consumer, {
      Environment: { Variables: { MODE: options.mode ?? 'ok' } },
      ...options.function,
    }),
  );
  const { ref, attributes } = await started.provision(
    mappingResource('Mapping', {
      EventSourceArn: QUEUE_ARN,
      FunctionName: functionName,
      BatchSize: 10,
      ...options.mapping,
    }),
  );
  const batches = () =>
    printed(started.ctx.logs, functionName)
      .filter((line) => line.startsWith('{'))
      .map(
        (line) =>
          JSON.parse(line) as {
            bodies: string[];
            started: number;
            ended: number;
            record: Record<string, unknown>;
          },
      );
  return {
    ...started,
    sqs,
    batches,
    functionName,
    uuid: ref,
    mappingArn: attributes.EventSourceMappingArn,
  };
};

const send = async (sqs: FakeSqs, bodies: string[]) => {
  for (const body of bodies) await sqs.sendMessage(QUEUE_ARN, body);
};

describe('the SQS event source mapping', () => {
  it('delivers batches of at most BatchSize records in the SQS event shape, and deletes a successful batch', async () => {
    const { sqs, batches, ctx, functionName } = await setup({ mapping: { BatchSize: 4 } });
    await sqs.sendMessage(QUEUE_ARN, 'first', {
      messageAttributes: { kind: { DataType: 'String', StringValue: 'order' } },
    });
    await send(
      sqs,
      Array.from({ length: 10 }, (_, i) => `m${i}`),
    );
    await eventually(() => sqs.size(QUEUE_ARN) === 0, 10_000, 'the queue to drain');
    const delivered = batches().flatMap((batch) => batch.bodies);
    expect(delivered.sort()).toEqual(['first', ...Array.from({ length: 10 }, (_, i) => `m${i}`)].sort());
    expect(Math.max(...batches().map((batch) => batch.bodies.length))).toBeLessThanOrEqual(4);
    expect(sqs.deleted).toHaveLength(11);
    const record = batches().find((batch) => batch.bodies.includes('first'))?.record;
    expect(record).toEqual({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body: 'first',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.any(String),
        SenderId: '000000000000',
        ApproximateFirstReceiveTimestamp: expect.any(String),
      },
      messageAttributes: {
        kind: { stringValue: 'order', stringListValues: [], binaryListValues: [], dataType: 'String' },
      },
      md5OfBody: 'md5',
      md5OfMessageAttributes: md5OfMessageAttributes({ kind: { DataType: 'String', StringValue: 'order' } }),
      eventSource: 'aws:sqs',
      eventSourceARN: QUEUE_ARN,
      awsRegion: 'us-east-1',
    });
    // Messages are received with a visibility that covers the invocation (timeout 5 s, not scaled).
    expect(Math.min(...sqs.receives.map((receive) => receive.visibilityTimeoutMs))).toBeGreaterThanOrEqual(
      5000,
    );
    expect(ctx.trace.events.filter((event) => event.service === functionName)).toHaveLength(11);
  });

  it('with ReportBatchItemFailures deletes only the successes; the failures come back after the scaled visibility timeout', async () => {
    const { sqs, batches, ctx, functionName } = await setup({
      mode: 'report',
      mapping: { FunctionResponseTypes: ['ReportBatchItemFailures'] },
    });
    await send(sqs, ['good-1', 'bad-1', 'good-2']);
    await eventually(() => sqs.deleted.length === 2, 5000, 'two deletes');
    // visibility 30 s at scale 0.01: the failed message is visible again within about 300 ms of its receive
    await eventually(() => sqs.receiveCountOf(QUEUE_ARN, 'bad-1') >= 3, 5000, 'bad-1 to be retried');
    expect(sqs.size(QUEUE_ARN)).toBe(1);
    const change = sqs.visibilityChanges.find((entry) => entry.ms < 1000);
    expect(change?.ms).toBeLessThanOrEqual(300);
    expect(batches()[0]?.bodies).toEqual(['good-1', 'bad-1', 'good-2']);
    expect(batches()[1]?.bodies).toEqual(['bad-1']);
    expect(ctx.trace.events).toContainEqual({
      event: 'sqs orders',
      service: functionName,
      outcome: 'failed: batch item failure (retry after visibility timeout)',
    });
  });

  it.each([
    ['an itemIdentifier that is not in the batch', 'unknown-id'],
    ['an empty itemIdentifier', 'empty-id'],
    ['a list of ids instead of objects', 'wrong-shape'],
  ])('fails the whole batch on a malformed partial batch response: %s', async (_, mode) => {
    const { sqs, ctx } = await setup({
      mode,
      mapping: { FunctionResponseTypes: ['ReportBatchItemFailures'] },
    });
    await send(sqs, ['good-1', 'bad-1', 'good-2']);
    await eventually(
      () => sqs.receiveCountOf(QUEUE_ARN, 'good-1') >= 2,
      5000,
      'the whole batch to be retried',
    );
    expect(sqs.deleted).toEqual([]);
    expect(sqs.size(QUEUE_ARN)).toBe(3);
    expect(ctx.logs.some((line) => line.includes('malformed partial batch response'))).toBe(true);
  });

  it('treats a null response as success', async () => {
    const { sqs } = await setup({
      mode: 'null',
      mapping: { FunctionResponseTypes: ['ReportBatchItemFailures'] },
    });
    await send(sqs, ['bad-1', 'good-1']);
    await eventually(() => sqs.size(QUEUE_ARN) === 0, 5000, 'the queue to drain');
  });

  it('leaves every message of the batch for retry when the invocation fails', async () => {
    const { sqs, ctx, functionName } = await setup({
      mode: 'throw',
      mapping: { FunctionResponseTypes: ['ReportBatchItemFailures'] },
    });
    await send(sqs, ['good-1', 'bad-1']);
    await eventually(() => sqs.receiveCountOf(QUEUE_ARN, 'good-1') >= 2, 5000, 'the batch to be retried');
    expect(sqs.deleted).toEqual([]);
    expect(ctx.trace.events).toContainEqual({
      event: 'sqs orders',
      service: functionName,
      outcome: 'failed: Error (retry after visibility timeout)',
    });
  });

  it('runs at most ScalingConfig.MaximumConcurrency batches at once, and scales up to it', async () => {
    const { sqs, batches } = await setup({
      mapping: { BatchSize: 1, ScalingConfig: { MaximumConcurrency: 2 } },
    });
    await send(
      sqs,
      Array.from({ length: 8 }, (_, i) => `wait:150-${i}`),
    );
    await eventually(() => sqs.size(QUEUE_ARN) === 0, 10_000, 'the queue to drain');
    const spans = batches().map((batch) => [batch.started, batch.ended] as const);
    const overlapAt = (time: number) => spans.filter(([start, end]) => start <= time && time < end).length;
    const most = Math.max(...spans.map(([start]) => overlapAt(start)));
    expect(most).toBe(2);
  });

  it('also respects the function concurrency when it is lower than MaximumConcurrency', async () => {
    const { sqs, batches } = await setup({
      mapping: { BatchSize: 1, ScalingConfig: { MaximumConcurrency: 5 } },
      function: { ReservedConcurrentExecutions: 1 },
    });
    await send(
      sqs,
      Array.from({ length: 4 }, (_, i) => `wait:100-${i}`),
    );
    await eventually(() => sqs.size(QUEUE_ARN) === 0, 10_000, 'the queue to drain');
    const spans = batches().map((batch) => [batch.started, batch.ended] as const);
    for (const [start] of spans) {
      expect(spans.filter(([s, e]) => s <= start && start < e)).toHaveLength(1);
    }
  });

  it('keeps one poller while the batches are not full: messages that arrive during an invocation make the next batch', async () => {
    const { sqs, batches } = await setup({ mapping: { ScalingConfig: { MaximumConcurrency: 5 } } });
    // Ten messages, one every 25 ms, each invocation taking 100 ms: never a full batch of 10.
    for (let i = 0; i < 10; i += 1) {
      await sqs.sendMessage(QUEUE_ARN, `wait:100-${i}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await eventually(() => sqs.size(QUEUE_ARN) === 0, 10_000, 'the queue to drain');
    const spans = batches().map((batch) => [batch.started, batch.ended] as const);
    for (const [start] of spans) {
      expect(spans.filter(([s, e]) => s <= start && start < e)).toHaveLength(1);
    }
    expect(batches().flatMap((batch) => batch.bodies)).toHaveLength(10);
    expect(batches().length).toBeLessThan(10);
  });

  it('gathers a batch for MaximumBatchingWindowInSeconds (scaled)', async () => {
    const { sqs, batches } = await setup({
      scale: 0.5,
      mapping: { BatchSize: 5, MaximumBatchingWindowInSeconds: 1 },
    });
    await send(sqs, ['a']);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await send(sqs, ['b', 'c']);
    await eventually(() => sqs.size(QUEUE_ARN) === 0, 5000, 'the queue to drain');
    expect(batches().map((batch) => batch.bodies)).toEqual([['a', 'b', 'c']]);
  });

  it('deletes messages that match no filter without invoking the function', async () => {
    const { sqs, batches } = await setup({
      mapping: { FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ body: { kind: ['order'] } }) }] } },
    });
    await send(sqs, [
      JSON.stringify({ kind: 'order', n: 1 }),
      JSON.stringify({ kind: 'other' }),
      'plain text',
    ]);
    await eventually(() => sqs.size(QUEUE_ARN) === 0, 5000, 'the queue to drain');
    expect(batches().flatMap((batch) => batch.bodies)).toEqual([JSON.stringify({ kind: 'order', n: 1 })]);
    expect(sqs.deleted).toHaveLength(3);
  });

  it('does not poll a disabled mapping, and lists its configuration', async () => {
    const { sqs, batches, engine, uuid, mappingArn, functionName } = await setup({
      mapping: { Enabled: false, ScalingConfig: { MaximumConcurrency: 3 } },
    });
    await send(sqs, ['x']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(batches()).toEqual([]);
    expect(engine.mappingList().map((mapping) => mapping.configuration)).toEqual([
      {
        UUID: uuid,
        EventSourceMappingArn: mappingArn,
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 0,
        EventSourceArn: QUEUE_ARN,
        FunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
        LastModified: expect.any(Number),
        LastProcessingResult: 'No records processed',
        State: 'Disabled',
        StateTransitionReason: 'USER_INITIATED',
        FunctionResponseTypes: [],
        ScalingConfig: { MaximumConcurrency: 3 },
      },
    ]);
  });
});

describe('reading a partial batch response', () => {
  const ids = new Set(['a', 'b']);
  it.each([
    ['null', null, 'success'],
    ['an empty object', {}, 'success'],
    ['batchItemFailures null', { batchItemFailures: null }, 'success'],
    ['batchItemFailures empty', { batchItemFailures: [] }, 'success'],
    ['other fields only', { statusCode: 200 }, 'success'],
    ['a known id', { batchItemFailures: [{ itemIdentifier: 'b' }] }, 'partial'],
    ['an unknown id', { batchItemFailures: [{ itemIdentifier: 'z' }] }, 'failure'],
    ['an empty id', { batchItemFailures: [{ itemIdentifier: '' }] }, 'failure'],
    ['a null id', { batchItemFailures: [{ itemIdentifier: null }] }, 'failure'],
    ['a wrongly named key', { batchItemFailures: [{ itemIdentifer: 'a' }] }, 'failure'],
    ['ids as strings', { batchItemFailures: ['a'] }, 'failure'],
    ['batchItemFailures not a list', { batchItemFailures: 'a' }, 'failure'],
    ['a string response', 'ok', 'failure'],
    ['an array response', [], 'failure'],
  ])('%s -> %s', (_, response, kind) => {
    expect(readBatchResponse(response, ids).kind).toBe(kind);
  });
});
