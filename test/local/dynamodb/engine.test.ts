import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import {
  DeleteItemCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EdgeServer } from '#lib/local/core/edge-server';
import type { ProvisionedResource, TemplateResource } from '#lib/local/core/types';
import { DynamoDbEngine } from '#lib/local/dynamodb/engine';
import { OWNER_PROPERTY } from '#lib/local/dynamodb/local-process';
import { testContext } from '../support/context.ts';

const run = promisify(execFile);
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const PUBLIC_ARN = /^arn:aws:dynamodb:us-east-1:000000000000:table\//;

const ctx = testContext();
// The default sweep interval: min(ctx.time.ms(60), 1000) = 600 ms at the test time scale of 0.01.
const engine = new DynamoDbEngine(ctx);
let edge: EdgeServer;
let ddb: DynamoDBClient;
let streams: DynamoDBStreamsClient;

const provision = (logicalId: string, properties: Record<string, unknown>): Promise<ProvisionedResource> => {
  const resource: TemplateResource = {
    stackName: 'OrderflowStateful',
    logicalId,
    type: 'AWS::DynamoDB::Table',
    properties,
  };
  const provider = engine.providers.find((candidate) => candidate.types.includes(resource.type));
  if (!provider) throw new Error('no provider for AWS::DynamoDB::Table');
  return provider.provision(resource);
};

/**
 * Reads the whole stream from TRIM_HORIZON until `done(records)` holds (DynamoDB Local may publish a record a
 * moment after the write returned), or gives up after 5 s and returns what it read.
 */
const readStream = async (
  streamArn: string,
  done: (records: StreamRecord[]) => boolean = () => true,
): Promise<StreamRecord[]> => {
  const deadline = Date.now() + 5000;
  for (;;) {
    const records = await readStreamOnce(streamArn);
    if (done(records) || Date.now() > deadline) return records;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

const readStreamOnce = async (streamArn: string): Promise<StreamRecord[]> => {
  const described = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const records: StreamRecord[] = [];
  for (const shard of described.StreamDescription?.Shards ?? []) {
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    let iterator = ShardIterator;
    // GetRecords returns at once; two empty pages in a row mean we have read what there is.
    for (let empty = 0; iterator && empty < 2; ) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      records.push(...(page.Records ?? []));
      empty = (page.Records ?? []).length === 0 ? empty + 1 : 0;
      iterator = page.NextShardIterator;
    }
  }
  return records;
};

beforeAll(async () => {
  edge = new EdgeServer({ port: 0, handlers: () => engine.handlers, health: () => ({ status: 'ready' }) });
  await Promise.all([engine.start(), edge.start()]);
  ddb = new DynamoDBClient({ endpoint: edge.url, region: 'us-east-1', credentials });
  streams = new DynamoDBStreamsClient({ endpoint: edge.url, region: 'us-east-1', credentials });
});

afterAll(async () => {
  ddb?.destroy();
  streams?.destroy();
  await edge?.stop();
  await engine.stop();
});

describe('DynamoDbEngine', () => {
  it('reports how long DynamoDB Local took to start', () => {
    // Reported, never asserted as a timing: the machine decides.
    console.info(`DynamoDB Local ready in ${engine.startupMs} ms (${engine.jvmInfo?.lifeline})`);
    expect(engine.startupMs).toBeGreaterThan(0);
    expect(ctx.logs.some((line) => line.includes('DynamoDB Local ready'))).toBe(true);
    expect(ctx.services.dynamodb).toBe(engine);
  });

  it('provisions a table from template properties and describes it through the edge with public ARNs', async () => {
    const { ref, attributes } = await provision('OrdersA9B65338', {
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byStatus',
          KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['total'] },
        },
      ],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      Tags: [{ Key: 'app', Value: 'orderflow' }],
    });

    expect(ref).toMatch(/^OrderflowStateful-OrdersA9B65338-[A-Z0-9]{12}$/);
    expect(attributes.Arn).toBe(`arn:aws:dynamodb:us-east-1:000000000000:table/${ref}`);
    expect(attributes.StreamArn).toMatch(
      new RegExp(`^arn:aws:dynamodb:us-east-1:000000000000:table/${ref}/stream/`),
    );

    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: ref }));
    expect(Table?.TableArn).toBe(attributes.Arn);
    expect(Table?.LatestStreamArn).toBe(attributes.StreamArn);
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(Table?.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: 'byStatus',
      IndexArn: `${attributes.Arn}/index/byStatus`,
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['total'] },
    });

    // AWS accepts the table ARN where a table name goes; DynamoDB Local does not, so the proxy maps it.
    const byArn = await ddb.send(new DescribeTableCommand({ TableName: String(attributes.Arn) }));
    expect(byArn.Table?.TableName).toBe(ref);

    const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: ref }));
    expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    const backups = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: ref }));
    expect(
      backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus,
    ).toBe('ENABLED');
    const tags = await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: String(attributes.Arn) }));
    expect(tags.Tags).toEqual([{ Key: 'app', Value: 'orderflow' }]);

    expect(engine.notEmulated().map((entry) => entry.property)).toEqual(
      expect.arrayContaining(['PointInTimeRecoverySpecification', 'SSESpecification', 'Tags']),
    );
    expect(engine.localArn(String(attributes.Arn))).toBe(
      `arn:aws:dynamodb:ddblocal:000000000000:table/${ref}`,
    );
    expect(engine.publicArn(engine.localArn(String(attributes.Arn)))).toBe(attributes.Arn);

    await ddb.send(
      new PutItemCommand({
        TableName: ref,
        Item: { pk: { S: 'ORDER#1' }, sk: { S: 'v1' }, status: { S: 'PLACED' }, total: { N: '42' } },
      }),
    );
    const placed = await ddb.send(
      new QueryCommand({
        TableName: ref,
        IndexName: 'byStatus',
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': { S: 'PLACED' } },
      }),
    );
    expect(placed.Items).toEqual([
      { pk: { S: 'ORDER#1' }, sk: { S: 'v1' }, status: { S: 'PLACED' }, total: { N: '42' } },
    ]);
  });

  it('returns the CancellationReasons of a cancelled TransactWriteItems through the proxy', async () => {
    const { ref: table } = await provision('InventoryCFCBEC24', {
      TableName: 'orderflow-inventory-test',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    expect(table).toBe('orderflow-inventory-test');
    await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'SKU#1' }, stock: { N: '2' } } }));

    const failure = await ddb
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName: table,
                Key: { pk: { S: 'SKU#1' } },
                UpdateExpression: 'SET stock = stock - :n',
                ConditionExpression: 'stock >= :n',
                ExpressionAttributeValues: { ':n': { N: '5' } },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            { Put: { TableName: table, Item: { pk: { S: 'RESERVATION#1' } } } },
          ],
        }),
      )
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(TransactionCanceledException);
    const cancelled = failure as TransactionCanceledException;
    expect(cancelled.$metadata.httpStatusCode).toBe(400);
    expect(cancelled.CancellationReasons?.map((reason) => reason.Code)).toEqual([
      'ConditionalCheckFailed',
      'None',
    ]);
    expect(cancelled.CancellationReasons?.[0]?.Item).toEqual({ pk: { S: 'SKU#1' }, stock: { N: '2' } });
    const untouched = await ddb.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'RESERVATION#1' } } }),
    );
    expect(untouched.Item).toBeUndefined();

    const missing = await ddb
      .send(new GetItemCommand({ TableName: 'no-such-table', Key: { pk: { S: 'x' } } }))
      .catch((error: unknown) => error as Error);
    expect((missing as Error).name).toBe('ResourceNotFoundException');
  });

  it('serves the stream through the edge with the public StreamArn', async () => {
    const { ref: table, attributes } = await provision('Outbox', {
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    });
    const streamArn = String(attributes.StreamArn);
    expect(streamArn).toMatch(PUBLIC_ARN);

    await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'OUTBOX#1' }, n: { N: '1' } } }));
    await ddb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: { S: 'OUTBOX#1' } },
        UpdateExpression: 'SET n = :n',
        ExpressionAttributeValues: { ':n': { N: '2' } },
      }),
    );
    await ddb.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'OUTBOX#1' } } }));

    const listed = await streams.send(new ListStreamsCommand({ TableName: table }));
    expect(listed.Streams?.map((stream) => stream.StreamArn)).toEqual([streamArn]);
    const described = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    expect(described.StreamDescription?.StreamArn).toBe(streamArn);
    expect(described.StreamDescription?.StreamViewType).toBe('NEW_IMAGE');

    const records = await readStream(streamArn, (read) => read.length >= 3);
    expect(records.map((record) => record.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    expect(records[1]?.dynamodb?.NewImage).toEqual({ pk: { S: 'OUTBOX#1' }, n: { N: '2' } });
    expect(records.every((record) => record.awsRegion === 'us-east-1')).toBe(true);
    expect(records[2]?.userIdentity).toBeUndefined();
  });

  it('sweeps expired items away, leaves live ones, and marks the REMOVE as a TTL deletion', async () => {
    const { ref: table, attributes } = await provision('IdempotencyC15CBC33', {
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
    const now = Math.floor(Date.now() / 1000);
    const items = {
      expired: { N: String(now - 10) },
      live: { N: String(now + 3600) },
      // AWS ignores a TTL that is not a Number, and one more than five years in the past.
      text: { S: String(now - 10) },
      ancient: { N: String(now - 6 * 365 * 24 * 3600) },
    };
    for (const [id, expiration] of Object.entries(items)) {
      await ddb.send(new PutItemCommand({ TableName: table, Item: { id: { S: id }, expiration } }));
    }
    await ddb.send(new PutItemCommand({ TableName: table, Item: { id: { S: 'forever' } } }));

    // The sweeper runs on its own timer (600 ms here).
    await vi.waitFor(
      async () => {
        const got = await ddb.send(new GetItemCommand({ TableName: table, Key: { id: { S: 'expired' } } }));
        expect(got.Item).toBeUndefined();
      },
      { timeout: 10_000, interval: 100 },
    );
    const left = await ddb.send(new ScanCommand({ TableName: table }));
    expect(left.Items?.map((item) => item.id?.S).sort()).toEqual(['ancient', 'forever', 'live', 'text']);

    const records = await readStream(String(attributes.StreamArn), (read) =>
      read.some((record) => record.eventName === 'REMOVE'),
    );
    const removal = records.find((record) => record.eventName === 'REMOVE');
    expect(removal?.dynamodb?.Keys).toEqual({ id: { S: 'expired' } });
    expect(removal?.userIdentity).toEqual({ Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' });

    // A delete by a caller is not marked.
    await ddb.send(new DeleteItemCommand({ TableName: table, Key: { id: { S: 'live' } } }));
    const after = await readStream(
      String(attributes.StreamArn),
      (read) => read.filter((record) => record.eventName === 'REMOVE').length >= 2,
    );
    expect(
      after.filter((record) => record.eventName === 'REMOVE').map((record) => record.userIdentity),
    ).toEqual([{ Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' }, undefined]);

    // UpdateTimeToLive through the edge, with AWS's checks; a table with TTL off keeps its expired items.
    await expect(
      ddb.send(
        new UpdateTimeToLiveCommand({
          TableName: table,
          TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
        }),
      ),
    ).rejects.toThrow(/already enabled/);
    await ddb.send(
      new UpdateTimeToLiveCommand({
        TableName: table,
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: false },
      }),
    );
    const off = await ddb.send(new DescribeTimeToLiveCommand({ TableName: table }));
    expect(off.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'DISABLED' });
    await ddb.send(
      new PutItemCommand({
        TableName: table,
        Item: { id: { S: 'kept' }, expiration: { N: String(now - 10) } },
      }),
    );
    await engine.sweeper?.sweepNow();
    const kept = await ddb.send(new GetItemCommand({ TableName: table, Key: { id: { S: 'kept' } } }));
    expect(kept.Item?.id).toEqual({ S: 'kept' });
  });

  it('recomputes x-amz-crc32 when it rewrites a body and keeps it when it does not', async () => {
    const call = async (operation: string, body: unknown) => {
      const response = await fetch(edge.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `DynamoDB_20120810.${operation}`,
          authorization:
            'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, Signature=x',
        },
        body: JSON.stringify(body),
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      return { status: response.status, crc: response.headers.get('x-amz-crc32'), bytes };
    };
    const rewritten = await call('DescribeTable', { TableName: 'orderflow-inventory-test' });
    expect(rewritten.bytes.toString()).toContain('arn:aws:dynamodb:us-east-1:000000000000:table/');
    expect(rewritten.bytes.toString()).not.toContain('ddblocal');
    expect(rewritten.crc).toBe(String(crc32(rewritten.bytes) >>> 0));
    const untouched = await call('GetItem', {
      TableName: 'orderflow-inventory-test',
      Key: { pk: { S: 'SKU#1' } },
    });
    expect(untouched.crc).toBe(String(crc32(untouched.bytes) >>> 0));
    const error = await call('GetItem', { TableName: 'no-such-table', Key: { pk: { S: 'x' } } });
    expect(error.status).toBe(400);
    expect(JSON.parse(error.bytes.toString()).__type).toMatch(/ResourceNotFoundException$/);
  });

  it('counts the calls per operation that came through the edge', () => {
    const counts = engine.callCounts();
    expect(counts['DynamoDB.PutItem']).toBeGreaterThanOrEqual(7);
    expect(counts['DynamoDB.TransactWriteItems']).toBe(1);
    expect(counts['DynamoDBStreams.GetRecords']).toBeGreaterThan(0);
    expect(counts['DynamoDBStreams.DescribeStream']).toBeGreaterThan(0);
  });

  it('answers the AWS CLI through the edge (list-tables, describe-table with its CRC32 check)', async () => {
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    const list = await run(
      'aws',
      ['--endpoint-url', edge.url, 'dynamodb', 'list-tables', '--output', 'json'],
      { env },
    );
    expect(JSON.parse(list.stdout).TableNames).toEqual(
      expect.arrayContaining([
        'orderflow-inventory-test',
        expect.stringMatching(/^OrderflowStateful-OrdersA9B65338-/),
      ]),
    );
    const describe = await run(
      'aws',
      ['--endpoint-url', edge.url, 'dynamodb', 'describe-table', '--table-name', 'orderflow-inventory-test'],
      { env },
    );
    expect(JSON.parse(describe.stdout).Table.TableArn).toBe(
      'arn:aws:dynamodb:us-east-1:000000000000:table/orderflow-inventory-test',
    );
  });

  it('kills the JVM and waits for it to exit on stop()', async () => {
    const jvms = () =>
      spawnSync('pgrep', ['-f', `${OWNER_PROPERTY}=${process.pid}( |$)`], { encoding: 'utf8' }).stdout.trim();
    expect(jvms()).not.toBe('');
    await engine.stop();
    expect(jvms()).toBe('');
    expect(ctx.services.dynamodb).toBeUndefined();
    await expect(ddb.send(new ListTablesCommand({}))).rejects.toThrow(/not running/);
  });
});
