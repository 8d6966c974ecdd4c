/**
 * What every end-to-end test uses: the target, AWS SDK clients pointed at it, the Order API, and waiting.
 * The same code drives the local cloud, LocalStack and AWS; only the target differs.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import { inject } from 'vitest';
import type { E2eTarget } from './remote.ts';

export const target: E2eTarget = inject('e2eTarget');

const config = {
  region: target.region,
  ...(target.endpoint
    ? { endpoint: target.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }
    : {}),
};

export const clients = {
  dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(config)),
  sqs: new SQSClient(config),
  sns: new SNSClient(config),
  events: new EventBridgeClient(config),
  sfn: new SFNClient(config),
  cloudwatch: new CloudWatchClient(config),
  lambda: new LambdaClient(config),
};

/** A stack output; the suite cannot run without it. */
export const output = (name: string): string => {
  const value = target.outputs[name];
  if (!value) throw new Error(`the target's stacks have no output ${name}`);
  return value;
};

/** An AWS duration as it passes on this target, in milliseconds. */
export const awsSeconds = (seconds: number): number => seconds * 1000 * target.timeFactor;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value other than undefined, or fails with `what` after `timeoutMs`. */
export const eventually = async <T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 150 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
      );
    }
    await sleep(intervalMs);
  }
};

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** SHA-256 for the SigV4 signer, on node:crypto. */
const sha256 = class {
  private hash;
  constructor(secret?: SourceData) {
    this.hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {}
};

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly json: unknown;
}

/** Calls the Order API; on AWS the request is SigV4-signed, because the API uses IAM authorization. */
export const api = async (
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse> => {
  const url = new URL(`${target.apiUrl}${path}`);
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  let headers: Record<string, string> = {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...options.headers,
  };
  if (target.kind === 'aws') {
    const signer = new SignatureV4({
      service: 'execute-api',
      region: target.region,
      credentials: clients.sqs.config.credentials,
      sha256,
    });
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...headers, host: url.host },
      ...(body === undefined ? {} : { body }),
    });
    headers = signed.headers as Record<string, string>;
  }
  const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let json: unknown = text;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, headers: response.headers, json };
};

/** A unique id for this run, so tests on a shared target (AWS, LocalStack) never see each other's data. */
export const runId = (): string => randomUUID().slice(0, 8);
