import { describe, expect, it } from 'vitest';
import type { TemplateResource } from '#lib/local/core/types';
import { ArnMapper } from '#lib/local/dynamodb/arns';
import { markTtlDeletions, type WireStreamRecord } from '#lib/local/dynamodb/edge-handler';
import { globalTablePlan, tablePlan } from '#lib/local/dynamodb/table-properties';

const table = (properties: Record<string, unknown>, type = 'AWS::DynamoDB::Table'): TemplateResource => ({
  stackName: 'OrderflowStateful',
  logicalId: 'OrdersA9B65338',
  type,
  properties,
});

describe('AWS::DynamoDB::Table properties -> CreateTable', () => {
  it("maps the Orders table of orderflow's template, with a generated name, stream and TTL", () => {
    const plan = tablePlan(
      table({
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    );
    expect(plan.tableName).toMatch(/^OrderflowStateful-OrdersA9B65338-[A-Z0-9]{12}$/);
    expect(plan.createTable).toEqual({
      TableName: plan.tableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    });
    expect(plan.timeToLive).toEqual({ attributeName: 'expiresAt' });
    expect(plan.pointInTimeRecovery).toBe(true);
    expect(plan.notEmulated.map((entry) => entry.property)).toEqual([
      'PointInTimeRecoverySpecification',
      'SSESpecification',
    ]);
  });

  it('keeps an explicit name, provisioned throughput (for the indexes too), LSIs, tags and deletion protection', () => {
    const plan = tablePlan(
      table({
        TableName: 'orders',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
          { AttributeName: 'g', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        ProvisionedThroughput: { ReadCapacityUnits: '7', WriteCapacityUnits: 3 },
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byG',
            KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'KEYS_ONLY' },
            ContributorInsightsSpecification: { Enabled: true },
          },
        ],
        LocalSecondaryIndexes: [
          {
            IndexName: 'bySk',
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        DeletionProtectionEnabled: 'true',
        Tags: [{ Key: 'team', Value: 'orders' }],
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: false },
      }),
    );
    expect(plan.tableName).toBe('orders');
    expect(plan.createTable).toMatchObject({
      BillingMode: 'PROVISIONED',
      ProvisionedThroughput: { ReadCapacityUnits: 7, WriteCapacityUnits: 3 },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byG',
          KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
          ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
        },
      ],
      LocalSecondaryIndexes: [{ IndexName: 'bySk', Projection: { ProjectionType: 'ALL' } }],
      DeletionProtectionEnabled: true,
    });
    expect(plan.createTable).not.toHaveProperty('Tags');
    expect(plan.tags).toEqual([{ Key: 'team', Value: 'orders' }]);
    expect(plan.timeToLive).toBeUndefined();
    expect(plan.notEmulated.map((entry) => entry.property)).toEqual([
      'GlobalSecondaryIndexes[byG].ContributorInsightsSpecification',
      'Tags',
      'ProvisionedThroughput',
    ]);
  });

  it('provisions a GlobalTable as the one table of the local region and reports the other replicas', () => {
    const plan = globalTablePlan(
      table(
        {
          TableName: 'global',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
          StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
          Replicas: [
            { Region: 'eu-west-1' },
            { Region: 'us-east-1', DeletionProtectionEnabled: true, Tags: [{ Key: 'a', Value: 'b' }] },
          ],
        },
        'AWS::DynamoDB::GlobalTable',
      ),
      'us-east-1',
    );
    expect(plan.createTable).toMatchObject({
      TableName: 'global',
      BillingMode: 'PAY_PER_REQUEST',
      DeletionProtectionEnabled: true,
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    expect(plan.tags).toEqual([{ Key: 'a', Value: 'b' }]);
    expect(plan.notEmulated.map((entry) => entry.property)).toContain('Replicas[eu-west-1]');
  });
});

describe('ARN rewriting between DynamoDB Local (ddblocal) and the local region', () => {
  const arns = new ArnMapper('us-east-1');
  const publicStream = 'arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/2026-11-22T11:57:58.144';
  const localStream = 'arn:aws:dynamodb:ddblocal:000000000000:table/T/stream/2026-11-22T11:57:58.144';

  it('maps single ARNs both ways and leaves other strings alone', () => {
    expect(arns.localArn(publicStream)).toBe(localStream);
    expect(arns.publicArn(localStream)).toBe(publicStream);
    expect(arns.localArn('arn:aws:sqs:us-east-1:000000000000:q')).toBe(
      'arn:aws:sqs:us-east-1:000000000000:q',
    );
  });

  it('rewrites request ARNs and table ARNs given as names, but never item data', () => {
    const request = {
      StreamArn: publicStream,
      ShardIterator: `${publicStream}|001|abc`,
      TableName: 'arn:aws:dynamodb:us-east-1:000000000000:table/Orders',
      Item: { ref: { S: 'arn:aws:dynamodb:us-east-1:000000000000:table/Orders' } },
      RequestItems: { 'arn:aws:dynamodb:us-east-1:000000000000:table/Orders': { Keys: [] } },
    };
    const rewritten = JSON.parse(arns.requestBody(Buffer.from(JSON.stringify(request))).toString());
    expect(rewritten).toEqual({
      StreamArn: localStream,
      ShardIterator: `${localStream}|001|abc`,
      TableName: 'Orders',
      Item: { ref: { S: 'arn:aws:dynamodb:us-east-1:000000000000:table/Orders' } },
      RequestItems: { Orders: { Keys: [] } },
    });
    const plain = Buffer.from(JSON.stringify({ TableName: 'Orders', Item: { pk: { S: 'x' } } }));
    expect(arns.requestBody(plain)).toBe(plain);
  });

  it('rewrites response ARNs and stream records, and passes other bodies through as the same buffer', () => {
    const body = Buffer.from(
      JSON.stringify({
        Table: { TableArn: 'arn:aws:dynamodb:ddblocal:000000000000:table/T', LatestStreamArn: localStream },
      }),
    );
    expect(JSON.parse(arns.responseBody(body).toString())).toEqual({
      Table: { TableArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/T', LatestStreamArn: publicStream },
    });
    const record = Buffer.from('{"Records":[{"eventName":"INSERT","awsRegion":"ddblocal"}]}');
    expect(arns.responseBody(record).toString()).toBe(
      '{"Records":[{"eventName":"INSERT","awsRegion":"us-east-1"}]}',
    );
    const plain = Buffer.from('{"Item":{"pk":{"S":"x"}}}');
    expect(arns.responseBody(plain)).toBe(plain);
  });

  it('rewrites ARNs inside error messages too', () => {
    const error = Buffer.from(
      JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
        message: `Requested resource not found: Stream: ${localStream} not found`,
      }),
    );
    expect(JSON.parse(arns.responseBody(error).toString()).message).toBe(
      `Requested resource not found: Stream: ${publicStream} not found`,
    );
  });
});

describe('TTL deletions in stream records', () => {
  it("repairs DynamoDB Local's own expiry records and marks the sweeper's, leaving other removals alone", () => {
    const records: WireStreamRecord[] = [
      { eventName: 'UNKNOWN_TO_SDK_VERSION', dynamodb: { Keys: { pk: { S: 'a' } } } },
      { eventName: 'REMOVE', dynamodb: { Keys: { pk: { S: 'swept' } } } },
      { eventName: 'REMOVE', dynamodb: { Keys: { pk: { S: 'deleted-by-a-caller' } } } },
      { eventName: 'INSERT', dynamodb: { Keys: { pk: { S: 'swept' } } } },
    ];
    const changed = markTtlDeletions(
      records,
      (record) =>
        record.dynamodb?.Keys?.pk !== undefined &&
        JSON.stringify(record.dynamodb.Keys) === '{"pk":{"S":"swept"}}',
    );
    expect(changed).toBe(true);
    const service = { PrincipalId: 'dynamodb.amazonaws.com', Type: 'Service' };
    expect(records.map((record) => [record.eventName, record.userIdentity])).toEqual([
      ['REMOVE', service],
      ['REMOVE', service],
      ['REMOVE', undefined],
      ['INSERT', undefined],
    ]);
  });
});
