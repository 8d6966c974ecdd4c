/**
 * The edge endpoint speaks the real wire protocols: the AWS CLI (botocore, a different SDK from the one the
 * functions use) reaches every service through it, and it reports its health.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { output, target } from './support/harness.ts';

const run = promisify(execFile);
const hasCli = await run('aws', ['--version']).then(
  () => true,
  () => false,
);

/** `aws --endpoint-url <edge> ...`, with throw-away credentials, parsed as JSON. */
const aws = async (...args: string[]): Promise<Record<string, unknown>> => {
  const { stdout } = await run(
    'aws',
    ['--endpoint-url', target.endpoint as string, '--output', 'json', ...args],
    {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_DEFAULT_REGION: target.region,
        AWS_PAGER: '',
      },
    },
  );
  return stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : {};
};

describe.skipIf(target.kind !== 'local')('the local edge endpoint', () => {
  it('answers its health check with ready once boot is complete', async () => {
    const response = await fetch(`${target.endpoint}/_orderflow/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ready' });
  });

  describe.skipIf(!hasCli)('through the AWS CLI', () => {
    it('lists the queues with URLs on the edge', async () => {
      const { QueueUrls } = (await aws('sqs', 'list-queues')) as { QueueUrls: string[] };
      expect(QueueUrls.length).toBeGreaterThanOrEqual(16);
      expect(QueueUrls.every((url) => url.startsWith(`${target.endpoint}/000000000000/`))).toBe(true);
    });

    it('tests an event pattern against an event', async () => {
      const event = JSON.stringify({
        id: '1',
        source: 'orderflow.orders',
        'detail-type': 'OrderPlaced',
        account: '000000000000',
        time: '2026-11-22T12:00:00Z',
        region: 'us-east-1',
        resources: [],
        detail: { data: { total: 8999 } },
      });
      const pattern = (numeric: string) =>
        JSON.stringify({
          source: ['orderflow.orders'],
          detail: { data: { total: [{ numeric: [numeric, 5000] }] } },
        });
      expect(
        await aws('events', 'test-event-pattern', '--event', event, '--event-pattern', pattern('>')),
      ).toEqual({
        Result: true,
      });
      expect(
        await aws('events', 'test-event-pattern', '--event', event, '--event-pattern', pattern('<')),
      ).toEqual({
        Result: false,
      });
    });

    it('describes the alarms of the template', async () => {
      const { MetricAlarms } = (await aws('cloudwatch', 'describe-alarms')) as {
        MetricAlarms: { StateValue: string; AlarmActions: string[] }[];
      };
      expect(MetricAlarms.length).toBeGreaterThanOrEqual(30);
      expect(MetricAlarms.every((alarm) => alarm.AlarmActions.includes(output('OpsAlertsTopicArn')))).toBe(
        true,
      );
    });

    it('reaches DynamoDB, Step Functions and Lambda', async () => {
      const { TableNames } = (await aws('dynamodb', 'list-tables')) as { TableNames: string[] };
      expect(TableNames).toContain(output('OrdersTableName'));
      const { executions } = (await aws(
        'stepfunctions',
        'list-executions',
        '--state-machine-arn',
        output('StateMachineArn'),
      )) as { executions: unknown[] };
      expect(Array.isArray(executions)).toBe(true);
      const { Functions } = (await aws('lambda', 'list-functions')) as {
        Functions: { FunctionName: string }[];
      };
      expect(Functions.map((fn) => fn.FunctionName)).toContain(output('SeedCatalogFunctionName'));
    });
  });
});
