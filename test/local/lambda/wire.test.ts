/**
 * The Lambda API on the edge endpoint, called with the real SDK client and the AWS CLI.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeServer } from '#lib/local/core/edge-server';
import {
  eventually,
  FakeSqs,
  functionResource,
  mappingResource,
  startEngine,
  tempDir,
  writeHandler,
} from './support.ts';

const run = promisify(execFile);
const temp = tempDir();
let edge: EdgeServer;
let client: LambdaClient;
let started: Awaited<ReturnType<typeof startEngine>>;
/** The name of the function the template does not name (its Ref). */
let other: string;

beforeAll(async () => {
  const echo = writeHandler(
    temp.dir,
    'echo',
    `let calls = 0;
     export const handler = async (event, context) => {
       calls += 1;
       console.log('echo called ' + calls);
       if (event.fail) { const error = new Error('asked to fail'); error.name = 'PaymentDeclinedError'; throw error; }
       return { event, calls, client: context.clientContext ?? null };
     };`,
  );
  started = await startEngine({ services: { sqs: new FakeSqs() } });
  edge = new EdgeServer({
    port: 0,
    handlers: () => started.engine.handlers,
    health: () => ({ status: 'ready' }),
  });
  await edge.start();
  await started.provision(
    functionResource('Echo', echo, {
      FunctionName: 'echo',
      Description: 'echoes',
      ReservedConcurrentExecutions: 3,
      Environment: { Variables: { COLOR: 'blue' } },
      TracingConfig: { Mode: 'Active' },
      Architectures: ['arm64'],
    }),
  );
  ({ ref: other } = await started.provision(functionResource('Other', echo)));
  await started.provision(
    mappingResource('Mapping', {
      EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:echo-queue',
      FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:echo',
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      Enabled: false,
    }),
  );
  client = new LambdaClient({
    endpoint: edge.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  client?.destroy();
  await started?.engine.stop();
  await edge?.stop();
  temp.remove();
});

const decode = (payload: Uint8Array | undefined): unknown =>
  JSON.parse(Buffer.from(payload ?? []).toString('utf8'));

describe('the Lambda API on the edge', () => {
  it('invokes synchronously and answers the handler result', async () => {
    const answer = await client.send(
      new InvokeCommand({
        FunctionName: 'echo',
        Payload: Buffer.from(JSON.stringify({ hello: 'world' })),
        ClientContext: Buffer.from(JSON.stringify({ custom: { app: 'test' } })).toString('base64'),
        LogType: 'Tail',
      }),
    );
    expect(answer.StatusCode).toBe(200);
    expect(answer.FunctionError).toBeUndefined();
    expect(answer.ExecutedVersion).toBe('$LATEST');
    expect(decode(answer.Payload)).toMatchObject({
      event: { hello: 'world' },
      client: { custom: { app: 'test' } },
    });
    const log = Buffer.from(answer.LogResult ?? '', 'base64').toString('utf8');
    expect(log).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST\n/);
    expect(log).toMatch(/REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms/);
  });

  it('reports a handler error as FunctionError Unhandled with the error payload', async () => {
    const answer = await client.send(
      new InvokeCommand({
        FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:echo',
        Payload: Buffer.from('{"fail":true}'),
      }),
    );
    expect(answer.StatusCode).toBe(200);
    expect(answer.FunctionError).toBe('Unhandled');
    expect(decode(answer.Payload)).toMatchObject({
      errorType: 'PaymentDeclinedError',
      errorMessage: 'asked to fail',
      trace: expect.arrayContaining([expect.stringContaining('PaymentDeclinedError: asked to fail')]),
    });
  });

  it('accepts Event invocations (202, run in the background) and DryRun (204)', async () => {
    const before = started.ctx.trace.events.length;
    const event = await client.send(
      new InvokeCommand({
        FunctionName: 'echo',
        InvocationType: 'Event',
        Payload: Buffer.from('{"async":1}'),
      }),
    );
    expect(event.StatusCode).toBe(202);
    await eventually(() => started.ctx.trace.events.length > before, 5000, 'the async invocation');
    const dry = await client.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun' }));
    expect(dry.StatusCode).toBe(204);
  });

  it('answers ResourceNotFoundException and InvalidRequestContentException as Lambda does', async () => {
    const missing = await client
      .send(new InvokeCommand({ FunctionName: 'nope' }))
      .catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect((missing as Error).message).toBe(
      'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope',
    );
    expect((missing as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(404);
    const invalid = await client
      .send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{not json') }))
      .catch((error: unknown) => error);
    expect((invalid as Error).name).toBe('InvalidRequestContentException');
  });

  it('lists and describes functions', async () => {
    const list = await client.send(new ListFunctionsCommand({}));
    expect(other).toMatch(/^Test-Other-[A-Z0-9]{12}$/);
    expect(list.Functions?.map((fn) => fn.FunctionName)).toEqual(['echo', other]);
    const configuration = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'echo' }));
    expect(configuration).toMatchObject({
      FunctionName: 'echo',
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:echo',
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Description: 'echoes',
      Timeout: 5,
      MemorySize: 256,
      Version: '$LATEST',
      Environment: { Variables: { COLOR: 'blue' } },
      TracingConfig: { Mode: 'Active' },
      Architectures: ['arm64'],
      State: 'Active',
      PackageType: 'Zip',
    });
    const fn = await client.send(new GetFunctionCommand({ FunctionName: 'echo' }));
    expect(fn.Configuration?.FunctionName).toBe('echo');
    expect(fn.Concurrency?.ReservedConcurrentExecutions).toBe(3);
    const concurrency = await client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'echo' }));
    expect(concurrency.ReservedConcurrentExecutions).toBe(3);
    const paged = await client.send(new ListFunctionsCommand({ MaxItems: 1 }));
    expect(paged.Functions).toHaveLength(1);
    const next = await client.send(new ListFunctionsCommand({ MaxItems: 1, Marker: paged.NextMarker }));
    expect(next.Functions?.[0]?.FunctionName).toBe(other);
    expect(next.NextMarker).toBeUndefined();
  });

  it('lists event source mappings, filtered by function or source', async () => {
    const all = await client.send(new ListEventSourceMappingsCommand({}));
    expect(all.EventSourceMappings).toEqual([
      expect.objectContaining({
        UUID: expect.any(String),
        BatchSize: 5,
        EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:echo-queue',
        FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:echo',
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        State: 'Disabled',
        LastModified: expect.any(Date),
      }),
    ]);
    const byFunction = await client.send(new ListEventSourceMappingsCommand({ FunctionName: 'echo' }));
    expect(byFunction.EventSourceMappings).toHaveLength(1);
    const bySource = await client.send(
      new ListEventSourceMappingsCommand({ EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:other' }),
    );
    expect(bySource.EventSourceMappings).toEqual([]);
  });

  it('serves the AWS CLI: aws lambda invoke and list-functions', async () => {
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
    };
    const out = join(temp.dir, 'out.json');
    const { stdout } = await run(
      'aws',
      [
        '--endpoint-url',
        edge.url,
        'lambda',
        'invoke',
        '--function-name',
        'echo',
        '--payload',
        '{"from":"cli"}',
        out,
      ],
      { env },
    );
    expect(JSON.parse(stdout)).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ event: { from: 'cli' } });

    const failed = await run(
      'aws',
      [
        '--endpoint-url',
        edge.url,
        'lambda',
        'invoke',
        '--function-name',
        'echo',
        '--payload',
        '{"fail":true}',
        out,
      ],
      { env },
    );
    expect(JSON.parse(failed.stdout)).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled' });

    const list = await run('aws', ['--endpoint-url', edge.url, 'lambda', 'list-functions'], { env });
    expect(
      (JSON.parse(list.stdout) as { Functions: { FunctionName: string }[] }).Functions.map(
        (fn) => fn.FunctionName,
      ),
    ).toEqual(['echo', other]);
    const missing = await run(
      'aws',
      ['--endpoint-url', edge.url, 'lambda', 'get-function', '--function-name', 'nope'],
      {
        env,
      },
    ).catch((error: { stderr: string }) => error);
    expect((missing as { stderr: string }).stderr).toContain('ResourceNotFoundException');
  }, 30_000);
});
