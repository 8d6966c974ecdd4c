/**
 * The SQS event source mapping: pollers that receive batches from a queue and invoke the function, with the
 * semantics of Lambda's SQS integration (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html):
 *
 * - A batch is up to BatchSize messages, gathered for at most MaximumBatchingWindowInSeconds (scaled).
 * - Pollers scale up while full batches keep coming (a backlog), to ScalingConfig.MaximumConcurrency concurrent
 *   batches (or the function's concurrency), and back down to one when the queue is empty.
 * - Success deletes the batch. An invocation error leaves every message for retry. With ReportBatchItemFailures
 *   only the reported messages stay; an empty or null response (or `batchItemFailures` null / empty) is success,
 *   and a malformed response (an itemIdentifier that is empty, null, missing, not in the batch, or a response of
 *   the wrong shape) fails the whole batch, as Lambda documents ("Handling errors for an SQS event source").
 * - Failed messages become visible again when the queue's visibility timeout (scaled), counted from the
 *   receive, runs out; the queue's redrive policy then moves them to its DLQ after maxReceiveCount receives.
 *   Messages are received with a visibility that covers the invocation (the function's timeout is not scaled),
 *   and set back to what is left of the scaled timeout afterwards.
 * - FilterCriteria: messages that match no filter are deleted without invoking the function.
 */
import { createHash } from 'node:crypto';
import { sleep } from '#lib/local/core/time';
import {
  type ReceivedSqsMessage,
  requireService,
  type SqsApi,
  type SqsMessageAttribute,
} from '#lib/local/core/types';
import { sqsFilterView } from './filter.ts';
import type { FunctionRuntime } from './function-runtime.ts';
import type { MappingConfig } from './mapping-config.ts';
import { type EventSourcePoller, type MappingHost, Naps, type ProcessingResult } from './mapping-host.ts';
import { orderIdOf, recordDocument } from './trace-info.ts';

/** How long one receive long-polls (real time; not an AWS duration the application can observe). */
const POLL_WAIT_MS = 1000;
/** When a receive answers empty at once (no long polling), wait this long before the next. */
const EMPTY_PAUSE_MS = 100;
/** Extra time an in-flight message stays invisible beyond the batching window and the function timeout. */
const HOLD_MARGIN_MS = 15_000;
/** How long stop() waits for the pollers (a long poll in progress is abandoned). */
const STOP_WAIT_MS = 200;
/** How long the queue's VisibilityTimeout is trusted before it is read again (SetQueueAttributes may change it). */
const ATTRIBUTES_TTL_MS = 10_000;
/** SQS's default VisibilityTimeout, when the queue cannot tell its own. */
const DEFAULT_VISIBILITY_SECONDS = 30;

export interface SqsEventRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly messageAttributes: Readonly<Record<string, unknown>>;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes?: string;
  readonly eventSource: 'aws:sqs';
  readonly eventSourceARN: string;
  readonly awsRegion: string;
}

interface InFlight {
  readonly message: ReceivedSqsMessage;
  readonly receivedAt: number;
}

/** A binary attribute value: bytes, or (from a JSON source) their base64 text. */
const binary = (value: Uint8Array | string): Buffer =>
  typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.from(value);

const lengthPrefixed = (bytes: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

/** MD5OfMessageAttributes as SQS computes it (names sorted; each part length-prefixed; transport 1 string, 2 binary). */
export const md5OfMessageAttributes = (
  attributes: Readonly<Record<string, SqsMessageAttribute>>,
): string | undefined => {
  const names = Object.keys(attributes).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  for (const name of names) {
    const attribute = attributes[name] as SqsMessageAttribute;
    hash.update(lengthPrefixed(Buffer.from(name)));
    hash.update(lengthPrefixed(Buffer.from(attribute.DataType)));
    if (attribute.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      hash.update(lengthPrefixed(binary(attribute.BinaryValue)));
    } else {
      hash.update(Buffer.from([1]));
      hash.update(lengthPrefixed(Buffer.from(attribute.StringValue ?? '')));
    }
  }
  return hash.digest('hex');
};

/** One message as a record of the SQS event Lambda sends. */
export const sqsEventRecord = (
  message: ReceivedSqsMessage,
  queueArn: string,
  region: string,
): SqsEventRecord => {
  const messageAttributes = Object.fromEntries(
    Object.entries(message.messageAttributes).map(([name, attribute]) => [
      name,
      {
        ...(attribute.StringValue !== undefined ? { stringValue: attribute.StringValue } : {}),
        ...(attribute.BinaryValue !== undefined
          ? { binaryValue: binary(attribute.BinaryValue).toString('base64') }
          : {}),
        stringListValues: [],
        binaryListValues: [],
        dataType: attribute.DataType,
      },
    ]),
  );
  const md5 = md5OfMessageAttributes(message.messageAttributes);
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: { ...message.attributes },
    messageAttributes,
    md5OfBody: message.md5OfBody,
    ...(md5 ? { md5OfMessageAttributes: md5 } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
};

export type BatchVerdict =
  | { readonly kind: 'success' }
  | { readonly kind: 'partial'; readonly failed: ReadonlySet<string> }
  | { readonly kind: 'failure'; readonly reason: string };

/**
 * Reads a partial batch response (ReportBatchItemFailures) against the ids in the batch. Success: null, an
 * empty object, `batchItemFailures` null or empty. Anything malformed fails the whole batch.
 */
export const readBatchResponse = (response: unknown, ids: ReadonlySet<string>): BatchVerdict => {
  if (response === null || response === undefined) return { kind: 'success' };
  if (typeof response !== 'object' || Array.isArray(response)) {
    return { kind: 'failure', reason: 'malformed partial batch response: not a JSON object' };
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return { kind: 'success' };
  if (!Array.isArray(failures)) {
    return { kind: 'failure', reason: 'malformed partial batch response: batchItemFailures is not a list' };
  }
  if (failures.length === 0) return { kind: 'success' };
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '') {
      return { kind: 'failure', reason: 'malformed partial batch response: empty or missing itemIdentifier' };
    }
    if (!ids.has(id)) {
      return {
        kind: 'failure',
        reason: `malformed partial batch response: itemIdentifier ${id} is not in the batch`,
      };
    }
    failed.add(id);
  }
  return { kind: 'partial', failed };
};

export class SqsPoller implements EventSourcePoller {
  private running = false;
  private active = 0;
  private readonly loops = new Set<Promise<void>>();
  private readonly naps = new Naps();
  private visibilitySeconds: number | undefined;
  private visibilityReadAt = 0;
  private problem: string | undefined;
  lastProcessingResult: ProcessingResult = 'No records processed';

  constructor(
    private readonly config: MappingConfig,
    private readonly runtime: FunctionRuntime,
    private readonly host: MappingHost,
  ) {}

  private get sqs(): SqsApi {
    return requireService(this.host.ctx.services, 'sqs');
  }

  private get maxConcurrency(): number {
    return Math.max(
      1,
      Math.min(this.config.maximumConcurrency ?? this.runtime.concurrency, this.runtime.concurrency),
    );
  }

  private get windowMs(): number {
    return this.host.ctx.time.ms(this.config.batchingWindowSeconds);
  }

  private get timeoutMs(): number {
    return this.runtime.config.timeoutSeconds * 1000;
  }

  /** How long a received message stays invisible: the scaled queue timeout, or longer to cover the invocation. */
  private get holdMs(): number {
    return Math.max(this.visibilityMs(), this.windowMs + this.timeoutMs + HOLD_MARGIN_MS);
  }

  private visibilityMs(): number {
    return this.host.ctx.time.ms(this.visibilitySeconds ?? DEFAULT_VISIBILITY_SECONDS);
  }

  start(): void {
    if (this.running || !this.config.enabled) return;
    this.running = true;
    this.spawn(true);
  }

  /** Stops polling. A receive in progress is not waited for: what it brings back is made visible again. */
  async stop(): Promise<void> {
    this.running = false;
    this.naps.wakeAll();
    await Promise.race([Promise.allSettled([...this.loops]), sleep(STOP_WAIT_MS)]);
  }

  private spawn(base: boolean): void {
    this.active += 1;
    const loop = this.loop(base)
      .catch((error: unknown) => this.report(`poller stopped: ${(error as Error).message}`))
      .finally(() => {
        this.active -= 1;
        this.loops.delete(loop);
      });
    this.loops.add(loop);
  }

  private report(problem: string | undefined): void {
    if (problem && problem !== this.problem)
      this.host.log(`event source mapping ${this.config.uuid} (${this.config.functionName}): ${problem}`);
    this.problem = problem;
    if (problem) this.lastProcessingResult = `PROBLEM: ${problem}`;
  }

  private async loop(base: boolean): Promise<void> {
    while (this.running) {
      let batch: InFlight[];
      try {
        batch = await this.receiveBatch();
        this.report(undefined);
      } catch (error) {
        this.report(`cannot receive from ${this.config.eventSourceArn}: ${(error as Error).message}`);
        await this.naps.nap(POLL_WAIT_MS);
        continue;
      }
      if (batch.length === 0) {
        if (!base) return;
        continue;
      }
      if (!this.running) {
        await this.release(batch);
        return;
      }
      // A full batch means more are waiting: another poller. A smaller one is all there was, and one poller keeps
      // up (while it invokes, the next batch gathers), so the function gets fewer, larger batches.
      if (batch.length >= this.config.batchSize && this.active < this.maxConcurrency && this.running) {
        this.spawn(false);
      }
      try {
        await this.process(batch);
      } catch (error) {
        // The messages were not deleted: they come back after their visibility timeout.
        if (this.running) this.report(`batch failed in the poller: ${(error as Error).message}`);
      }
    }
  }

  /** Makes received messages visible again at once (the poller stopped before invoking). */
  private async release(batch: readonly InFlight[]): Promise<void> {
    await Promise.all(
      batch.map((item) =>
        this.sqs
          .changeMessageVisibility(this.config.eventSourceArn, item.message.receiptHandle, 0)
          .catch(() => {}),
      ),
    );
  }

  private async receiveBatch(): Promise<InFlight[]> {
    const queue = this.config.eventSourceArn;
    if (this.visibilitySeconds === undefined || Date.now() - this.visibilityReadAt > ATTRIBUTES_TTL_MS) {
      const attributes = await this.sqs.queueAttributes?.(queue);
      const configured = Number(attributes?.VisibilityTimeout);
      this.visibilitySeconds = Number.isFinite(configured) ? configured : DEFAULT_VISIBILITY_SECONDS;
      this.visibilityReadAt = Date.now();
    }
    const batchSize = this.config.batchSize;
    const receive = async (count: number, waitTimeMs: number): Promise<InFlight[]> => {
      const messages = await this.sqs.receiveMessages(queue, {
        maxMessages: Math.min(10, count),
        visibilityTimeoutMs: this.holdMs,
        waitTimeMs,
      });
      const receivedAt = Date.now();
      return messages.map((message) => ({ message, receivedAt }));
    };
    const asked = Date.now();
    const batch = await receive(batchSize, POLL_WAIT_MS);
    if (batch.length === 0) {
      if (Date.now() - asked < POLL_WAIT_MS / 2) await this.naps.nap(EMPTY_PAUSE_MS);
      return batch;
    }
    const deadline = Date.now() + this.windowMs;
    while (this.running && batch.length < batchSize) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const more = await receive(batchSize - batch.length, Math.min(left, POLL_WAIT_MS));
      batch.push(...more);
      if (more.length === 0 && Date.now() < deadline)
        await this.naps.nap(Math.min(EMPTY_PAUSE_MS, deadline - Date.now()));
    }
    return batch;
  }

  private async process(received: InFlight[]): Promise<void> {
    const queue = this.config.eventSourceArn;
    const { ctx } = this.host;
    const records = received.map((item) => sqsEventRecord(item.message, queue, ctx.region));
    let batch = received;
    let eventRecords = records;
    const filter = this.config.filter;
    if (filter) {
      const keep = records.map((record) => filter.matches(sqsFilterView(record)));
      const dropped = received.filter((_, index) => !keep[index]);
      // Lambda deletes SQS messages that match no filter.
      await Promise.all(
        dropped.map((item) => this.sqs.deleteMessage(queue, item.message.receiptHandle).catch(() => {})),
      );
      batch = received.filter((_, index) => keep[index]);
      eventRecords = records.filter((_, index) => keep[index]);
      if (batch.length === 0) return;
    }

    const slot = await this.runtime.acquireSlot();
    let outcome: Awaited<ReturnType<MappingHost['invoke']>>;
    try {
      // A long wait for a slot may have eaten into the hold: make the messages invisible for the whole invocation.
      const oldest = Math.min(...batch.map((item) => item.receivedAt));
      if (Date.now() - oldest > HOLD_MARGIN_MS / 2) {
        const extended = await Promise.all(
          batch.map((item) =>
            this.sqs
              .changeMessageVisibility(queue, item.message.receiptHandle, this.timeoutMs + HOLD_MARGIN_MS)
              .then(() => true)
              .catch(() => false),
          ),
        );
        batch = batch.filter((_, index) => extended[index]);
        eventRecords = eventRecords.filter((_, index) => extended[index]);
        if (batch.length === 0) return;
      }
      outcome = await this.host.invoke(this.runtime, { Records: eventRecords }, { slot, trace: false });
    } finally {
      slot.release();
    }

    let verdict: BatchVerdict;
    if (outcome.functionError) verdict = { kind: 'failure', reason: outcome.errorType ?? 'Unhandled' };
    else if (!this.config.reportBatchItemFailures) verdict = { kind: 'success' };
    else {
      let response: unknown;
      try {
        response = JSON.parse(outcome.payload);
      } catch {
        response = Symbol('invalid');
      }
      verdict = readBatchResponse(response, new Set(batch.map((item) => item.message.messageId)));
    }

    const failed = (item: InFlight): boolean =>
      verdict.kind === 'failure' ||
      (verdict.kind === 'partial' && verdict.failed.has(item.message.messageId));
    const now = Date.now();
    await Promise.all(
      batch.map((item) =>
        (failed(item)
          ? this.sqs.changeMessageVisibility(
              queue,
              item.message.receiptHandle,
              Math.max(0, this.visibilityMs() - (now - item.receivedAt)),
            )
          : this.sqs.deleteMessage(queue, item.message.receiptHandle)
        ).catch(() => {}),
      ),
    );
    this.lastProcessingResult = 'OK';
    if (verdict.kind === 'failure' && verdict.reason.startsWith('malformed')) this.report(verdict.reason);

    // The live trace: one line per message (its order, its event), with how it ended.
    const label = (record: SqsEventRecord): { event: string; orderId?: string | undefined } => {
      const document = recordDocument(record as unknown as Record<string, unknown>);
      const detailType = (document as { 'detail-type'?: unknown } | undefined)?.['detail-type'];
      return {
        event: typeof detailType === 'string' ? detailType : `sqs ${queue.split(':').pop() ?? ''}`,
        orderId: orderIdOf(document),
      };
    };
    const duration = `${Math.round(outcome.durationMs)}ms`;
    batch.forEach((item, index) => {
      const record = eventRecords[index] as SqsEventRecord;
      const { event, orderId } = label(record);
      const outcomeText =
        verdict.kind === 'failure'
          ? `failed: ${verdict.reason} (retry after visibility timeout)`
          : failed(item)
            ? 'failed: batch item failure (retry after visibility timeout)'
            : `ok ${duration}`;
      this.host.trace({ orderId, event, service: this.config.functionName, outcome: outcomeText });
    });
  }
}
