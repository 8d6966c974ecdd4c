/**
 * Test support for the Lambda engine: handlers written to a temp dir (plain .mjs, or bundled with esbuild the
 * way NodeFunction bundles), function and mapping resources, an engine on a test context, and a fake SQS.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ESM_REQUIRE_BANNER, SEMVER_SHIM } from '#lib/constructs/bundling';
import { sleep } from '#lib/local/core/time';
import type {
  LocalServices,
  ReceivedSqsMessage,
  SqsApi,
  SqsMessageAttribute,
  TemplateResource,
  TimeScale,
} from '#lib/local/core/types';
import { LambdaEngine, type LambdaEngineOptions } from '#lib/local/lambda/engine';
import { testContext } from '../support/context.ts';

export const tempDir = (): { dir: string; remove: () => void } => {
  const dir = mkdtempSync(join(tmpdir(), 'orderflow-lambda-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
};

/** Writes `<root>/<name>/index.mjs` and returns the folder (an asset folder). */
export const writeHandler = (root: string, name: string, source: string): string => {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.mjs'), source);
  return dir;
};

/**
 * Bundles `entry` into `<outDir>/index.mjs` as lib/constructs/node-function.ts has CDK do it: ESM for node24,
 * minified with a source map, the createRequire banner, the AWS SDK external and the semver shim.
 */
export const bundleLikeNodeFunction = async (entry: string, outDir: string): Promise<void> => {
  await build({
    entryPoints: [entry],
    outfile: join(outDir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: ['@aws-sdk/*'],
    alias: { semver: SEMVER_SHIM },
    banner: { js: ESM_REQUIRE_BANNER },
    logLevel: 'silent',
  });
};

/** Writes `source` as a handler module and bundles it into `<root>/<name>/index.mjs`; returns the folder. */
export const bundleHandler = async (root: string, name: string, source: string): Promise<string> => {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const entry = join(root, `${name}-src.ts`);
  writeFileSync(entry, source);
  await bundleLikeNodeFunction(entry, dir);
  return dir;
};

export const functionResource = (
  logicalId: string,
  assetPath: string,
  properties: Record<string, unknown> = {},
): TemplateResource => ({
  stackName: 'Test',
  logicalId,
  type: 'AWS::Lambda::Function',
  properties: { Handler: 'index.handler', Runtime: 'nodejs24.x', Timeout: 5, MemorySize: 256, ...properties },
  assetPath,
});

export const mappingResource = (
  logicalId: string,
  properties: Record<string, unknown>,
): TemplateResource => ({
  stackName: 'Test',
  logicalId,
  type: 'AWS::Lambda::EventSourceMapping',
  properties,
});

export const startEngine = async (
  options: LambdaEngineOptions & { time?: TimeScale; services?: LocalServices; edgeUrl?: string } = {},
) => {
  const ctx = testContext({
    ...(options.time ? { time: options.time } : {}),
    ...(options.services ? { services: options.services } : {}),
    ...(options.edgeUrl ? { edgeUrl: options.edgeUrl } : {}),
  });
  const engine = new LambdaEngine(ctx, options);
  await engine.start();
  const provision = async (resource: TemplateResource) => {
    const provider = engine.providers.find((candidate) => candidate.types.includes(resource.type));
    if (!provider) throw new Error(`no provider for ${resource.type}`);
    return provider.provision(resource);
  };
  return { ctx, engine, provision };
};

/** Waits until `check` returns a truthy value (polling), or fails after `timeoutMs`. */
export const eventually = async <T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
};

interface FakeMessage {
  readonly messageId: string;
  readonly body: string;
  readonly messageAttributes: Record<string, SqsMessageAttribute>;
  readonly sentAt: number;
  receiveCount: number;
  visibleAt: number;
  receiptHandle?: string;
  firstReceivedAt?: number;
}

/** An in-memory SqsApi for one or more queues (by ARN or name), with visibility timeouts in real ms. */
export class FakeSqs implements SqsApi {
  readonly queues = new Map<string, FakeMessage[]>();
  readonly deleted: string[] = [];
  readonly visibilityChanges: { messageId: string; ms: number }[] = [];
  readonly receives: { maxMessages: number; visibilityTimeoutMs: number; got: number }[] = [];
  readonly sent: { queue: string; body: string }[] = [];

  constructor(private readonly visibilityTimeoutSeconds = 30) {}

  private queue(queue: string): FakeMessage[] {
    const name = queue.split(/[:/]/).pop() ?? queue;
    let messages = this.queues.get(name);
    if (!messages) {
      messages = [];
      this.queues.set(name, messages);
    }
    return messages;
  }

  async sendMessage(
    queue: string,
    body: string,
    options: { messageAttributes?: Readonly<Record<string, SqsMessageAttribute>> } = {},
  ): Promise<{ messageId: string }> {
    const messageId = randomUUID();
    this.sent.push({ queue, body });
    this.queue(queue).push({
      messageId,
      body,
      messageAttributes: { ...(options.messageAttributes ?? {}) },
      sentAt: Date.now(),
      receiveCount: 0,
      visibleAt: 0,
    });
    return { messageId };
  }

  async receiveMessages(
    queue: string,
    options: { maxMessages: number; visibilityTimeoutMs: number; waitTimeMs: number },
  ): Promise<ReceivedSqsMessage[]> {
    const deadline = Date.now() + options.waitTimeMs;
    for (;;) {
      const now = Date.now();
      const ready = this.queue(queue)
        .filter((message) => message.visibleAt <= now)
        .slice(0, options.maxMessages);
      if (ready.length > 0 || now >= deadline) {
        this.receives.push({ ...options, got: ready.length });
        return ready.map((message) => {
          message.receiveCount += 1;
          message.firstReceivedAt ??= now;
          message.visibleAt = now + options.visibilityTimeoutMs;
          message.receiptHandle = `${message.messageId}#${message.receiveCount}`;
          return {
            messageId: message.messageId,
            receiptHandle: message.receiptHandle,
            body: message.body,
            md5OfBody: 'md5',
            attributes: {
              ApproximateReceiveCount: String(message.receiveCount),
              SentTimestamp: String(message.sentAt),
              SenderId: '000000000000',
              ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
            },
            messageAttributes: message.messageAttributes,
          };
        });
      }
      await sleep(10);
    }
  }

  private byHandle(queue: string, receiptHandle: string): FakeMessage {
    const message = this.queue(queue).find((candidate) => candidate.receiptHandle === receiptHandle);
    if (!message) throw new Error(`ReceiptHandleIsInvalid: ${receiptHandle}`);
    return message;
  }

  async deleteMessage(queue: string, receiptHandle: string): Promise<void> {
    const message = this.byHandle(queue, receiptHandle);
    const messages = this.queue(queue);
    messages.splice(messages.indexOf(message), 1);
    this.deleted.push(message.messageId);
  }

  async changeMessageVisibility(
    queue: string,
    receiptHandle: string,
    visibilityTimeoutMs: number,
  ): Promise<void> {
    const message = this.byHandle(queue, receiptHandle);
    message.visibleAt = Date.now() + visibilityTimeoutMs;
    this.visibilityChanges.push({ messageId: message.messageId, ms: visibilityTimeoutMs });
  }

  async queueAttributes(): Promise<Readonly<Record<string, string>>> {
    return { VisibilityTimeout: String(this.visibilityTimeoutSeconds) };
  }

  queueUrl(queue: string): string {
    return `http://127.0.0.1:4566/000000000000/${queue.split(/[:/]/).pop()}`;
  }

  queueArn(queue: string): string {
    return `arn:aws:sqs:us-east-1:000000000000:${queue.split(/[:/]/).pop()}`;
  }

  size(queue: string): number {
    return this.queue(queue).length;
  }

  receiveCountOf(queue: string, body: string): number {
    return this.queue(queue).find((message) => message.body === body)?.receiveCount ?? -1;
  }
}

/** The lines a function printed (the engine in debug mode forwards them as `[name] line`). */
export const printed = (logs: readonly string[], functionName: string): string[] =>
  logs
    .filter((line) => line.startsWith(`[${functionName}] `))
    .map((line) => line.slice(functionName.length + 3));
