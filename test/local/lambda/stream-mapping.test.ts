/**
 * The DynamoDB-stream event source mapping against a real DynamoDB Local (started here, killed in afterAll),
 * and a real function bundle run against it.
 */
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sleep, timeScale } from '#lib/local/core/time';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import {
  bundleLikeNodeFunction,
  eventually,
  FakeSqs,
  functionResource,
  mappingResource,
  printed,
  startEngine,
  tempDir,
  writeHandler,
} from './support.ts';

const temp = tempDir();
let ddb: DynamoDbLocal;
let consumer: string;

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  consumer = writeHandler(
    temp.dir,
    'stream-consumer',
    `let calls = 0;
     export const handler = async (event) => {
       calls += 1;
       const records = event.Records.map((r) => ({ pk: (r.dynamodb.NewImage ?? r.dynamodb.Keys).pk.S, seq: r.dynamodb.SequenceNumber, name: r.eventName }));
       const mode = process.env.MODE;
       if (mode === 'poison' && records.some((r) => r.pk === 'POISON')) throw new Error('poison record');
       console.log(JSON.stringify({ records, event: event.Records[0] }));
       if (mode === 'report-once' && calls === 1) return { batchItemFailures: [{ itemIdentifier: records[2].seq }] };
       return { batchItemFailures: [] };
     };`,
  );
});
afterAll(() => {
  ddb?.stop();
  temp.remove();
});

let stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.map((stop) => stop()));
  stops = [];
});

/** A table with a NEW_AND_OLD_IMAGES stream; returns its name and its public stream ARN. */
const createTable = async (): Promise<{ table: string; streamArn: string }> => {
  const table = `T${randomUUID().slice(0, 8)}`;
  const created = await ddb.client.send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  return { table, streamArn: ddb.api.publicArn(created.TableDescription?.LatestStreamArn ?? '') };
};

const put = (table: string, pk: string, extra: Record<string, { S: string }> = {}) =>
  ddb.client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, ...extra } }));

const setup = async (
  streamArn: string,
  mapping: Record<string, unknown>,
  options: { mode?: string; scale?: number } = {},
) => {
  const sqs = new FakeSqs();
  const started = await startEngine({
    debug: true,
    time: timeScale(options.scale ?? 0.01),
    services: { dynamodb: ddb.api, sqs },
  });
  stops.push(() => started.engine.stop());
  // The mapping names the function by its Ref, as a template does ({ Ref: Relay }).
  const { ref: functionName } = await started.provision(
    functionResource('Relay', consumer, { Environment: { Variables: { MODE: options.mode ?? 'ok' } } }),
  );
  await started.provision(
    mappingResource('Mapping', { EventSourceArn: streamArn, FunctionName: functionName, ...mapping }),
  );
  const batches = () =>
    printed(started.ctx.logs, functionName)
      .filter((line) => line.startsWith('{'))
      .map(
        (line) =>
          JSON.parse(line) as {
            records: { pk: string; seq: string; name: string }[];
            event: Record<string, unknown>;
          },
      );
  return { ...started, sqs, batches, functionName };
};

describe('the DynamoDB stream event source mapping', () => {
  it('filters records with FilterCriteria (on the record, images in DynamoDB JSON) before batching', async () => {
    const { table, streamArn } = await createTable();
    // The outbox relay's filter, as the template has it.
    const pattern = '{"eventName":["INSERT"],"dynamodb":{"NewImage":{"pk":{"S":[{"prefix":"OUTBOX#"}]}}}}';
    const { batches } = await setup(streamArn, {
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 10,
      FilterCriteria: { Filters: [{ Pattern: pattern }] },
    });
    await put(table, 'OUTBOX#1', { detail: { S: '{}' } });
    await put(table, 'ORDER#1');
    await ddb.client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: { S: 'OUTBOX#1' } },
        UpdateExpression: 'SET relayed = :t',
        ExpressionAttributeValues: { ':t': { S: 'yes' } },
      }),
    );
    await ddb.client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'ORDER#1' } } }));
    await put(table, 'OUTBOX#2');
    await eventually(
      () => batches().flatMap((batch) => batch.records).length >= 2,
      10_000,
      'two outbox records',
    );
    await sleep(300);
    expect(
      batches().flatMap((batch) => batch.records.map((record) => `${record.name} ${record.pk}`)),
    ).toEqual(['INSERT OUTBOX#1', 'INSERT OUTBOX#2']);
    const event = batches()[0]?.event as Record<string, unknown>;
    expect(event).toEqual({
      eventID: expect.any(String),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: { pk: { S: 'OUTBOX#1' } },
        NewImage: { pk: { S: 'OUTBOX#1' }, detail: { S: '{}' } },
        SequenceNumber: expect.stringMatching(/^\d+$/),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: streamArn,
    });
  });

  it('bisects a failing batch, delivers the good records, and sends the poison record to the on-failure destination', async () => {
    const { table, streamArn } = await createTable();
    for (const pk of ['r1', 'r2', 'POISON', 'r4', 'r5']) await put(table, pk);
    const dlq = 'arn:aws:sqs:us-east-1:000000000000:relay-dlq';
    const { batches, sqs, ctx, functionName } = await setup(
      streamArn,
      {
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 10,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: dlq } },
      },
      { mode: 'poison' },
    );
    // The poison record goes to the destination before the half after it ([r4, r5]) is retried: wait for both.
    await eventually(() => sqs.sent.length === 1, 10_000, 'the on-failure record');
    await eventually(() => batches().length >= 2, 10_000, 'the records after the poison one');
    // Successful invocations only print: every good record was delivered exactly once.
    expect(
      batches()
        .flatMap((batch) => batch.records.map((record) => record.pk))
        .sort(),
    ).toEqual(['r1', 'r2', 'r4', 'r5']);
    expect(batches().map((batch) => batch.records.map((record) => record.pk))).toEqual([
      ['r1', 'r2'],
      ['r4', 'r5'],
    ]);
    const sent = sqs.sent[0] as { queue: string; body: string };
    expect(sent.queue).toBe(dlq);
    const record = JSON.parse(sent.body);
    expect(record).toEqual({
      requestContext: {
        requestId: expect.any(String),
        functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: expect.any(Number),
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      DDBStreamBatchInfo: {
        shardId: expect.stringMatching(/^shardId-/),
        startSequenceNumber: expect.stringMatching(/^\d+$/),
        endSequenceNumber: expect.stringMatching(/^\d+$/),
        approximateArrivalOfFirstRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        approximateArrivalOfLastRecord: expect.stringMatching(/Z$/),
        batchSize: 1,
        streamArn,
      },
    });
    expect(record.DDBStreamBatchInfo.startSequenceNumber).toBe(record.DDBStreamBatchInfo.endSequenceNumber);
    expect(record.requestContext.approximateInvokeCount).toBeGreaterThanOrEqual(2);
    expect(ctx.trace.events).toContainEqual({
      event: 'stream 1 record(s)',
      service: functionName,
      outcome: 'failed: RetryAttemptsExhausted, sent to relay-dlq',
    });
  });

  it('with ReportBatchItemFailures retries from the lowest failed sequence number', async () => {
    const { table, streamArn } = await createTable();
    for (const pk of ['a', 'b', 'c', 'd']) await put(table, pk);
    const { batches } = await setup(
      streamArn,
      { StartingPosition: 'TRIM_HORIZON', BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] },
      { mode: 'report-once' },
    );
    await eventually(() => batches().length >= 2, 10_000, 'the retry');
    await sleep(300);
    expect(batches().map((batch) => batch.records.map((record) => record.pk))).toEqual([
      ['a', 'b', 'c', 'd'],
      ['c', 'd'],
    ]);
  });

  it('starts at LATEST: records written before the mapping existed are not delivered', async () => {
    const { table, streamArn } = await createTable();
    await put(table, 'before');
    const { batches } = await setup(streamArn, { StartingPosition: 'LATEST', BatchSize: 10 });
    await sleep(800);
    await put(table, 'after');
    await eventually(() => batches().length >= 1, 10_000, 'the new record');
    await sleep(200);
    expect(batches().flatMap((batch) => batch.records.map((record) => record.pk))).toEqual(['after']);
  });

  it('skips records older than MaximumRecordAgeInSeconds (scaled) to the on-failure destination', async () => {
    const { table, streamArn } = await createTable();
    await put(table, 'old');
    await sleep(1200);
    const dlq = 'arn:aws:sqs:us-east-1:000000000000:relay-dlq';
    const { batches, sqs } = await setup(streamArn, {
      StartingPosition: 'TRIM_HORIZON',
      MaximumRecordAgeInSeconds: 60, // 0.6 s at scale 0.01
      DestinationConfig: { OnFailure: { Destination: dlq } },
    });
    await eventually(() => sqs.sent.length === 1, 10_000, 'the on-failure record');
    expect(JSON.parse((sqs.sent[0] as { body: string }).body).requestContext).toMatchObject({
      condition: 'RecordAgeExceeded',
      approximateInvokeCount: 0,
    });
    expect(batches()).toEqual([]);
  });
});

/** The SeedCatalog function's asset in cdk.out, or (without a synthesized cdk.out) the same code bundled as NodeFunction bundles it. */
const seedAsset = async (): Promise<{ dir: string; from: string }> => {
  const templatePath = join('cdk.out', 'OrderflowProcessing.template.json');
  if (existsSync(templatePath)) {
    const template = JSON.parse(readFileSync(templatePath, 'utf8')) as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, unknown> }>;
    };
    const seed = Object.entries(template.Resources).find(
      ([id, resource]) => id.startsWith('SeedCatalog') && resource.Type === 'AWS::Lambda::Function',
    );
    const asset = seed?.[1].Metadata?.['aws:asset:path'];
    if (typeof asset === 'string' && existsSync(join('cdk.out', asset, 'index.mjs'))) {
      return { dir: join('cdk.out', asset), from: 'cdk.out' };
    }
  }
  const dir = join(temp.dir, 'seed-bundle');
  await bundleLikeNodeFunction('functions/inventory/seed-handler.ts', dir);
  return { dir, from: 'a fresh bundle' };
};

describe('a real orderflow bundle', () => {
  it('runs the SeedCatalog function (Powertools Tracer, Logger, Metrics; active tracing) against DynamoDB Local', async () => {
    const { dir } = await seedAsset();
    const table = `Inventory${randomUUID().slice(0, 8)}`;
    await ddb.client.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // No X-Ray daemon runs: the X-Ray SDK must neither crash nor send segments (to this socket, as its address).
    const daemon = createSocket('udp4');
    const segments: string[] = [];
    daemon.on('message', (message) => segments.push(String(message)));
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', () => resolve()));
    const { engine, provision, ctx } = await startEngine({ debug: true, edgeUrl: ddb.endpoint });
    stops.push(async () => {
      await engine.stop();
      daemon.close();
    });
    const { ref: seedCatalog } = await provision(
      functionResource('SeedCatalog', dir, {
        Timeout: 60,
        MemorySize: 512,
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: {
            INVENTORY_TABLE: table,
            POWERTOOLS_SERVICE_NAME: 'inventory',
            POWERTOOLS_METRICS_NAMESPACE: 'orderflow',
            POWERTOOLS_LOG_LEVEL: 'INFO',
            NODE_OPTIONS: '--enable-source-maps',
            AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
          },
        },
      }),
    );
    const first = await engine.invoke(seedCatalog, {});
    expect(first.functionError).toBeUndefined();
    const report = first.payload as { created: number; existing: number; reset: number };
    expect(report.created).toBeGreaterThan(0);
    expect(report.existing).toBe(0);
    const second = await engine.invoke(seedCatalog, {});
    expect(second.payload).toEqual({ created: 0, existing: report.created, reset: 0 });
    const items = await ddb.client.send(new ScanCommand({ TableName: table }));
    expect(items.Count).toBe(report.created);
    // Powertools Logger wrote JSON lines with the Lambda context.
    const lines = await eventually(
      () => {
        const found = printed(ctx.logs, seedCatalog).filter((line) => line.includes('catalog seeded'));
        return found.length === 2 ? found : undefined;
      },
      5000,
      'the log lines',
    );
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'INFO',
      message: 'catalog seeded',
      service: 'inventory',
      function_name: seedCatalog,
      cold_start: true,
    });
    expect(JSON.parse(lines[1] as string)).toMatchObject({ cold_start: false });
    await sleep(100);
    expect(segments).toEqual([]);
  });
});
