import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { timeScale } from '#lib/local/core/time';
import type { DynamoDbApi } from '#lib/local/core/types';
import {
  bundleHandler,
  eventually,
  FakeSqs,
  functionResource,
  printed,
  startEngine,
  tempDir,
  writeHandler,
} from './support.ts';

const temp = tempDir();
afterAll(() => temp.remove());

let engines: { stop: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(engines.map((engine) => engine.stop()));
  engines = [];
});

const engineWith = async (options: Parameters<typeof startEngine>[0] = {}) => {
  const started = await startEngine(options);
  engines.push(started.engine);
  return started;
};

let assets: Record<string, string>;
beforeAll(async () => {
  assets = {
    env: writeHandler(
      temp.dir,
      'env',
      `export const handler = async () => ({
        greeting: process.env.GREETING,
        name: process.env.AWS_LAMBDA_FUNCTION_NAME,
        memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        region: process.env.AWS_REGION,
        defaultRegion: process.env.AWS_DEFAULT_REGION,
        endpoint: process.env.AWS_ENDPOINT_URL,
        accessKey: process.env.AWS_ACCESS_KEY_ID,
        tz: process.env.TZ,
        handler: process.env._HANDLER,
        taskRoot: process.env.LAMBDA_TASK_ROOT,
        executionEnv: process.env.AWS_EXECUTION_ENV,
        version: process.env.AWS_LAMBDA_FUNCTION_VERSION,
        traceId: process.env._X_AMZN_TRACE_ID,
        powertoolsTrace: process.env.POWERTOOLS_TRACE_ENABLED ?? null,
      });`,
    ),
    counter: writeHandler(
      temp.dir,
      'counter',
      `let count = 0; const loadedAt = Date.now();
       export const handler = async (event, context) => ({ count: ++count, loadedAt, requestId: context.awsRequestId,
         remaining: context.getRemainingTimeInMillis(), functionName: context.functionName,
         arn: context.invokedFunctionArn, memory: context.memoryLimitInMB, echo: event });`,
    ),
    slow: writeHandler(
      temp.dir,
      'slow',
      `let count = 0;
       export const handler = async (event) => { count += 1;
         if (event.spin) { for (;;) {} }
         await new Promise((resolve) => setTimeout(resolve, event.ms)); return { count, started: event.started }; };`,
    ),
    failing: writeHandler(
      temp.dir,
      'failing',
      `let count = 0;
       class OutOfStockError extends Error { name = 'OutOfStockError'; }
       export const handler = async (event) => {
         count += 1;
         if (event.mode === 'throw') throw new OutOfStockError('no stock for ' + event.sku);
         if (event.mode === 'string') throw 'plain string';
         if (event.mode === 'reject') { Promise.reject(new Error('floating rejection')); await new Promise((r) => setTimeout(r, 50)); return { count }; }
         if (event.mode === 'uncaught') { setTimeout(() => { throw new TypeError('from a timer'); }, 1); await new Promise((r) => setTimeout(r, 50)); return { count }; }
         if (event.mode === 'exit') { process.exit(3); }
         if (event.mode === 'circular') { const a = {}; a.a = a; return a; }
         return { count };
       };`,
    ),
    callback: writeHandler(
      temp.dir,
      'callback',
      `export const handler = (event, context, callback) => { setTimeout(() => callback(null, { via: 'callback', n: event.n }), 5); };`,
    ),
    noExport: writeHandler(temp.dir, 'no-export', `export const other = async () => 1;`),
    initThrows: writeHandler(
      temp.dir,
      'init-throws',
      `if (!process.env.TABLE) throw new Error('environment variable TABLE is not set');
       export const handler = async () => 1;`,
    ),
    emf: writeHandler(
      temp.dir,
      'emf',
      `export const handler = async (event) => {
         console.log(JSON.stringify({ _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: 'orderflow',
           Dimensions: [['service']], Metrics: [{ Name: 'OrdersPlaced', Unit: 'Count' }] }] }, service: 'orders', OrdersPlaced: event.n }));
         console.log('a plain line');
         console.error('an error line');
         return 'ok';
       };`,
    ),
  };
  // A TypeScript handler bundled as NodeFunction bundles: ESM with the createRequire banner, and a CommonJS
  // dependency that calls require() (which only the banner makes work in an ESM bundle).
  writeHandler(temp.dir, 'cjs-dep', '');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    `${temp.dir}/cjs-dep/lib.cjs`,
    `const os = require('node:os'); module.exports = { platform: () => os.platform() };`,
  );
  assets.bundled = await bundleHandler(
    temp.dir,
    'bundled',
    `import { platform } from './cjs-dep/lib.cjs';
     interface Event { readonly who: string }
     export const handler = async (event: Event): Promise<{ hello: string; platform: string }> =>
       ({ hello: event.who, platform: platform() });`,
  );
});

describe('a function in its sandbox', () => {
  it('sees only its own environment plus what Lambda sets, not the host process nor another function', async () => {
    const { engine, provision } = await engineWith({ edgeUrl: 'http://127.0.0.1:4999' });
    const { ref: nameA } = await provision(
      functionResource('A', assets.env as string, { Environment: { Variables: { GREETING: 'hello A' } } }),
    );
    // Without FunctionName, the function gets CloudFormation's generated name, and its Ref is that name.
    expect(nameA).toMatch(/^Test-A-[A-Z0-9]{12}$/);
    await provision(
      functionResource('B', assets.env as string, {
        FunctionName: 'named-b',
        MemorySize: 1024,
        // A function cannot override what Lambda reserves.
        Environment: { Variables: { GREETING: 'hello B', AWS_REGION: 'eu-west-1' } },
      }),
    );
    const a = await engine.invoke(nameA, {});
    const b = await engine.invoke('named-b', {});
    expect(a.payload).toMatchObject({
      greeting: 'hello A',
      name: nameA,
      memory: '256',
      region: 'us-east-1',
      defaultRegion: 'us-east-1',
      endpoint: 'http://127.0.0.1:4999',
      accessKey: 'test',
      tz: ':UTC',
      handler: 'index.handler',
      taskRoot: assets.env,
      executionEnv: 'AWS_Lambda_nodejs24.x',
      version: '$LATEST',
      powertoolsTrace: null, // vitest sets POWERTOOLS_* in the host: none leaks into a function
    });
    expect((a.payload as { traceId: string }).traceId).toMatch(
      /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/,
    );
    expect(b.payload).toMatchObject({
      greeting: 'hello B',
      name: 'named-b',
      memory: '1024',
      region: 'us-east-1',
    });
    expect(process.env.GREETING).toBeUndefined();
  });

  it('keeps module state across warm invocations and passes the Lambda context', async () => {
    const { engine, provision } = await engineWith();
    const { ref, attributes } = await provision(
      functionResource('Counter', assets.counter as string, { Timeout: 7 }),
    );
    const first = (await engine.invoke(ref, { n: 1 })).payload as Record<string, unknown>;
    const second = (await engine.invoke(attributes.Arn as string, { n: 2 })).payload as Record<
      string,
      unknown
    >;
    expect(first.count).toBe(1);
    expect(second.count).toBe(2);
    expect(second.loadedAt).toBe(first.loadedAt);
    expect(second.echo).toEqual({ n: 2 });
    expect(second.requestId).not.toBe(first.requestId);
    expect(second.remaining).toBeGreaterThan(6000);
    expect(second.remaining).toBeLessThanOrEqual(7000);
    expect(second).toMatchObject({
      functionName: ref,
      arn: `arn:aws:lambda:us-east-1:000000000000:function:${ref}`,
      memory: '256',
    });
  });

  it('terminates an invocation at its timeout, reports Sandbox.Timedout, and cold-starts the next one', async () => {
    const { engine, provision, ctx } = await engineWith();
    const { ref: slow } = await provision(functionResource('Slow', assets.slow as string, { Timeout: 1 }));
    await engine.invoke(slow, { ms: 1 });
    const started = Date.now();
    // An async wait and a busy loop (which no timer inside the sandbox could interrupt) both end at the timeout.
    const [timedOut, spun] = await Promise.all([
      engine.invoke(slow, { ms: 5000 }),
      engine.invoke(slow, { spin: true }),
    ]);
    const elapsed = Date.now() - started;
    expect(timedOut.functionError).toBe('Unhandled');
    expect(timedOut.payload).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringMatching(
        /^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/,
      ),
    });
    expect((spun.payload as { errorType: string }).errorType).toBe('Sandbox.Timedout');
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(2500);
    // The sandbox was reset: module state starts over.
    expect((await engine.invoke(slow, { ms: 1 })).payload).toMatchObject({ count: 1 });
    const errors = ctx.metrics.list().filter((metric) => metric.metricName === 'Errors');
    expect(errors).toEqual([
      { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: slow } },
    ]);
  });

  it('fails the invocation when the handler throws, with the error name as errorType, and stays warm', async () => {
    const { engine, provision, ctx } = await engineWith();
    const { ref: failing } = await provision(functionResource('Failing', assets.failing as string));
    await engine.invoke(failing, { mode: 'ok' });
    const failed = await engine.invoke(failing, {
      mode: 'throw',
      sku: 'SKU-1',
      order: { orderId: 'o-42' },
    });
    expect(failed.statusCode).toBe(200);
    expect(failed.functionError).toBe('Unhandled');
    const payload = failed.payload as { errorType: string; errorMessage: string; trace: string[] };
    expect(payload.errorType).toBe('OutOfStockError');
    expect(payload.errorMessage).toBe('no stock for SKU-1');
    expect(payload.trace[0]).toBe('OutOfStockError: no stock for SKU-1');
    // A handled error does not reset the sandbox (as on Lambda): the module state carries on.
    expect((await engine.invoke(failing, { mode: 'ok' })).payload).toEqual({ count: 3 });
    expect((await engine.invoke(failing, { mode: 'string' })).payload).toEqual({
      errorType: 'string',
      errorMessage: 'plain string',
      trace: [],
    });
    expect(ctx.trace.events).toContainEqual({
      event: 'invoke',
      service: failing,
      outcome: 'failed: OutOfStockError',
      orderId: 'o-42',
    });
  });

  it('fails the invocation on an unhandled rejection, an uncaught exception or an exit, and resets the sandbox', async () => {
    const { engine, provision } = await engineWith();
    const { ref: failing } = await provision(functionResource('Failing', assets.failing as string));
    await engine.invoke(failing, { mode: 'ok' });
    const rejected = await engine.invoke(failing, { mode: 'reject' });
    expect(rejected.functionError).toBe('Unhandled');
    expect(rejected.payload).toMatchObject({
      errorType: 'Runtime.UnhandledPromiseRejection',
      errorMessage: 'Error: floating rejection',
    });
    expect((await engine.invoke(failing, { mode: 'ok' })).payload).toEqual({ count: 1 });

    const uncaught = await engine.invoke(failing, { mode: 'uncaught' });
    expect(uncaught.payload).toMatchObject({ errorType: 'TypeError', errorMessage: 'from a timer' });
    expect((await engine.invoke(failing, { mode: 'ok' })).payload).toEqual({ count: 1 });

    const exited = await engine.invoke(failing, { mode: 'exit' });
    expect(exited.functionError).toBe('Unhandled');
    expect(exited.payload).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringMatching(/Runtime exited with error: exit status 3$/),
    });
    expect((await engine.invoke(failing, { mode: 'ok' })).payload).toEqual({ count: 1 });

    const circular = await engine.invoke(failing, { mode: 'circular' });
    expect((circular.payload as { errorType: string }).errorType).toBe('Runtime.MarshalError');
  });

  it('initializes sandboxes ahead of the first invocation when prewarmed, never more than the concurrency', async () => {
    const { engine, provision, ctx } = await engineWith();
    const { ref: counter } = await provision(
      functionResource('Counter', assets.counter as string, { ReservedConcurrentExecutions: 2 }),
    );
    const { ref: off } = await provision(
      functionResource('Off', assets.counter as string, { ReservedConcurrentExecutions: 0 }),
    );
    const { ref: initThrows } = await provision(functionResource('InitThrows', assets.initThrows as string));
    await engine.prewarm(3);
    expect(
      Object.fromEntries(engine.runtimeList().map((runtime) => [runtime.config.name, runtime.sandboxes])),
    ).toEqual({ [counter]: 2, [off]: 0, [initThrows]: 0 });
    expect(ctx.logs).toContainEqual(expect.stringContaining(`${initThrows}: init failed`));

    // The first invocation finds its sandbox warm: the module was loaded before it, and no init is reported.
    const invokedAt = Date.now();
    const first = await engine.resolve(counter).invoke({ payload: '{}' });
    expect(first.initDurationMs).toBeUndefined();
    expect(JSON.parse(first.payload)).toMatchObject({ count: 1, loadedAt: expect.any(Number) });
    expect(JSON.parse(first.payload).loadedAt).toBeLessThan(invokedAt);
    // A failed init at prewarm time is reported by the invocation, as without prewarming.
    expect((await engine.invoke(initThrows, {})).payload).toMatchObject({
      errorMessage: 'environment variable TABLE is not set',
    });
  });

  it('reports init failures as Lambda does: a missing export, an error thrown while loading', async () => {
    const { engine, provision, ctx } = await engineWith();
    const { ref: noExport } = await provision(functionResource('NoExport', assets.noExport as string));
    const { ref: initThrowsName } = await provision(
      functionResource('InitThrows', assets.initThrows as string),
    );
    const { ref: missing } = await provision(functionResource('Missing', `${temp.dir}/does-not-exist`));
    expect((await engine.invoke(noExport, {})).payload).toEqual({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'index.handler is undefined or not exported',
      trace: [],
    });
    const initThrows = await engine.invoke(initThrowsName, {});
    expect(initThrows.functionError).toBe('Unhandled');
    expect(initThrows.payload).toMatchObject({
      errorType: 'Error',
      errorMessage: 'environment variable TABLE is not set',
    });
    expect((await engine.invoke(missing, {})).payload).toMatchObject({
      errorType: 'Runtime.ImportModuleError',
    });
    expect(ctx.logs.some((line) => line.includes(`${initThrowsName}: init failed`))).toBe(true);
  });

  it('supports callback-style handlers and runs an esbuild ESM bundle with the createRequire banner', async () => {
    const { engine, provision } = await engineWith();
    const { ref: callback } = await provision(functionResource('Callback', assets.callback as string));
    const { ref: bundled } = await provision(functionResource('Bundled', assets.bundled as string));
    expect((await engine.invoke(callback, { n: 7 })).payload).toEqual({ via: 'callback', n: 7 });
    expect((await engine.invoke(bundled, { who: 'orderflow' })).payload).toEqual({
      hello: 'orderflow',
      platform: process.platform,
    });
  });
});

describe('concurrency', () => {
  it('runs at most ReservedConcurrentExecutions at once: the next invocation waits for a free sandbox', async () => {
    const { engine, provision, ctx } = await engineWith();
    const { ref: slow } = await provision(
      functionResource('Slow', assets.slow as string, { ReservedConcurrentExecutions: 2 }),
    );
    // Warm two sandboxes first, so cold starts do not blur the timing.
    await Promise.all([engine.invoke(slow, { ms: 1 }), engine.invoke(slow, { ms: 1 })]);
    const started = Date.now();
    const results = await Promise.all(
      [0, 1, 2].map(async () => {
        await engine.invoke(slow, { ms: 400 });
        return Date.now() - started;
      }),
    );
    results.sort((x, y) => x - y);
    expect(results[1]).toBeLessThan(700);
    expect(results[2]).toBeGreaterThanOrEqual(790); // the third ran after one of the first two
    const throttles = ctx.metrics.query({
      namespace: 'AWS/Lambda',
      metricName: 'Throttles',
      dimensions: { FunctionName: slow },
      start: 0,
      end: Date.now() + 1,
    });
    expect(throttles.map((datum) => datum.value)).toEqual([1]);
    const concurrent = ctx.metrics.query({
      namespace: 'AWS/Lambda',
      metricName: 'ConcurrentExecutions',
      dimensions: { FunctionName: slow },
      start: 0,
      end: Date.now() + 1,
    });
    expect(Math.max(...concurrent.map((datum) => datum.value))).toBe(2);
    expect(engine.runtimeList()[0]?.sandboxes).toBe(2);
  });

  it('refuses every invocation of a function with ReservedConcurrentExecutions 0', async () => {
    const { engine, provision } = await engineWith();
    const { ref: off } = await provision(
      functionResource('Off', assets.counter as string, { ReservedConcurrentExecutions: 0 }),
    );
    await expect(engine.invoke(off, {})).rejects.toMatchObject({ code: 'TooManyRequestsException' });
  });

  it('answers ResourceNotFoundException for an unknown function or qualifier', async () => {
    const { engine, provision } = await engineWith();
    const { ref: counter } = await provision(functionResource('Counter', assets.counter as string));
    await expect(engine.invoke('nope', {})).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
      message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope',
    });
    await expect(engine.invoke(`${counter}:live`, {})).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
    });
    expect((await engine.invoke(`000000000000:function:${counter}:$LATEST`, {})).payload).toMatchObject({
      count: 1,
    });
  });
});

describe('asynchronous invocation', () => {
  it('retries a failing event twice (1 and 2 minutes, scaled) and then sends it to the dead-letter queue', async () => {
    const sqs = new FakeSqs();
    const { engine, provision, ctx } = await engineWith({ time: timeScale(0.001), services: { sqs } });
    const { ref: failing } = await provision(
      functionResource('Failing', assets.failing as string, {
        DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:000000000000:failing-dlq' },
      }),
    );
    const started = Date.now();
    engine.invokeAsync(failing, { mode: 'throw', sku: 'SKU-9' });
    await eventually(() => sqs.sent.length === 1, 5000, 'the dead letter');
    expect(Date.now() - started).toBeGreaterThanOrEqual(180); // 60 ms + 120 ms
    expect(sqs.sent[0]).toEqual({
      queue: 'arn:aws:sqs:us-east-1:000000000000:failing-dlq',
      body: JSON.stringify({ mode: 'throw', sku: 'SKU-9' }),
    });
    expect(ctx.trace.events.filter((event) => event.outcome === 'failed: OutOfStockError')).toHaveLength(3);
  });
});

describe('logs, metrics and trace', () => {
  it('turns EMF lines into metrics, publishes AWS/Lambda metrics, and forwards log lines only in debug mode', async () => {
    const quiet = await engineWith();
    const { ref: quietEmf } = await quiet.provision(functionResource('Emf', assets.emf as string));
    await quiet.engine.invoke(quietEmf, { n: 3 });
    const loud = await engineWith({ debug: true });
    const { ref: loudEmf } = await loud.provision(functionResource('Emf', assets.emf as string));
    await loud.engine.invoke(loudEmf, { n: 5 });

    for (const [{ ctx }, value] of [
      [quiet, 3],
      [loud, 5],
    ] as const) {
      const points = () =>
        ctx.metrics.query({
          namespace: 'orderflow',
          metricName: 'OrdersPlaced',
          dimensions: { service: 'orders' },
          start: 0,
          end: Date.now() + 1000,
        });
      await expect.poll(() => points().map((datum) => datum.value)).toEqual([value]);
      expect(points()[0]?.unit).toBe('Count');
      const lambda = ctx.metrics
        .list()
        .filter((metric) => metric.namespace === 'AWS/Lambda')
        .map((metric) => metric.metricName)
        .sort();
      expect(lambda).toEqual(['ConcurrentExecutions', 'Duration', 'Errors', 'Invocations']);
    }
    expect(quiet.ctx.logs).toEqual([]);
    await expect
      .poll(() =>
        printed(loud.ctx.logs, loudEmf)
          .filter((line) => !line.includes('_aws'))
          .sort(),
      )
      .toEqual(['a plain line', 'an error line']);
  });

  it('emits one trace event per invocation, with the order it concerns and how it ended', async () => {
    const { engine, provision, ctx } = await engineWith();
    const { ref: counter } = await provision(functionResource('Counter', assets.counter as string));
    await engine.invoke(
      counter,
      { order: { orderId: 'o-1' }, correlationId: 'c-1' },
      { label: 'ReserveInventory' },
    );
    await engine.invoke(counter, { httpMethod: 'POST', path: '/orders' });
    await engine.invoke(counter, {
      'detail-type': 'OrderPlaced',
      detail: { data: { orderId: 'o-2' } },
    });
    expect(ctx.trace.events).toEqual([
      {
        orderId: 'o-1',
        event: 'ReserveInventory',
        service: counter,
        outcome: expect.stringMatching(/^ok \d+ms$/),
        correlationId: 'c-1',
      },
      { event: 'POST /orders', service: counter, outcome: expect.stringMatching(/^ok \d+ms$/) },
      {
        orderId: 'o-2',
        event: 'OrderPlaced',
        service: counter,
        outcome: expect.stringMatching(/^ok \d+ms$/),
      },
    ]);
  });
});

/** A stand-in AWS endpoint: answers every awsJson call with `answer(target)` and records the targets it got. */
const fakeAwsEndpoint = async (
  answer: (target: string) => { contentType: string; body: string },
): Promise<{ url: string; targets: string[]; server: Server }> => {
  const targets: string[] = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      targets.push(target);
      const { contentType, body } = answer(target);
      response.writeHead(200, { 'content-type': contentType });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, targets, server };
};

describe('AWS API calls of the functions', () => {
  it('counts the calls a function makes by service, and sends its DynamoDB calls straight to DynamoDB Local', async () => {
    const dynamodb = await fakeAwsEndpoint(() => ({
      contentType: 'application/x-amz-json-1.0',
      body: '{}',
    }));
    const edge = await fakeAwsEndpoint(() => ({
      contentType: 'application/x-amz-json-1.1',
      body: JSON.stringify({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] }),
    }));
    try {
      const sdk = (name: string) => pathToFileURL(createRequire(import.meta.url).resolve(name)).href;
      const asset = writeHandler(
        temp.dir,
        'aws-calls',
        `import dynamodbSdk from '${sdk('@aws-sdk/client-dynamodb')}';
         import eventsSdk from '${sdk('@aws-sdk/client-eventbridge')}';
         const dynamo = new dynamodbSdk.DynamoDBClient({});
         const events = new eventsSdk.EventBridgeClient({});
         export const handler = async () => {
           await dynamo.send(new dynamodbSdk.PutItemCommand({ TableName: 't', Item: { pk: { S: 'a' } } }));
           await dynamo.send(new dynamodbSdk.GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));
           await events.send(new eventsSdk.PutEventsCommand({
             Entries: [{ Source: 'test', DetailType: 'Tested', Detail: '{}' }],
           }));
           return 'done';
         };`,
      );
      const { engine, provision } = await engineWith({
        edgeUrl: edge.url,
        services: { dynamodb: { endpoint: dynamodb.url } as DynamoDbApi },
      });
      const { ref: calls } = await provision(functionResource('Calls', asset));

      const first = await engine.invoke(calls, {});
      expect(first).toMatchObject({ payload: 'done' });
      expect(engine.awsCallCounts()).toEqual({ dynamodb: 2, events: 1 });
      await engine.invoke(calls, {});
      expect(engine.awsCallCounts()).toEqual({ dynamodb: 4, events: 2 });
      // DynamoDB went to DynamoDB Local's endpoint (AWS_ENDPOINT_URL_DYNAMODB), the rest to the edge.
      expect(dynamodb.targets).toEqual([
        'DynamoDB_20120810.PutItem',
        'DynamoDB_20120810.GetItem',
        'DynamoDB_20120810.PutItem',
        'DynamoDB_20120810.GetItem',
      ]);
      expect(edge.targets).toEqual(['AWSEvents.PutEvents', 'AWSEvents.PutEvents']);
    } finally {
      for (const { server } of [dynamodb, edge]) {
        server.closeAllConnections();
        server.close();
      }
    }
  });
});
