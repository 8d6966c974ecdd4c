/**
 * The DynamoDB Streams event source mapping, with the semantics of Lambda's stream integration
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html, "Error handling", "Partial batch responses"):
 *
 * - Each shard is read in order by one reader (ParallelizationFactor 1): one batch in flight per shard, a child
 *   shard only after its parent is finished. StartingPosition applies to the shards found at start; shards
 *   found later are read from their beginning.
 * - FilterCriteria is applied to each record (the stream event record, images in DynamoDB JSON) before
 *   batching; records that match no filter are skipped.
 * - A batch is up to BatchSize records gathered for at most MaximumBatchingWindowInSeconds (scaled).
 * - An invocation error retries the batch; with BisectBatchOnFunctionError the batch is split in two first
 *   (splitting does not count as a retry). With ReportBatchItemFailures (itemIdentifier = SequenceNumber)
 *   processing resumes from the lowest failed record; a malformed response fails the whole batch.
 * - After MaximumRetryAttempts retries, or when a record is older than MaximumRecordAgeInSeconds (scaled), the
 *   batch is skipped and an invocation record (`DDBStreamBatchInfo`) goes to DestinationConfig.OnFailure.
 */
import { randomUUID } from 'node:crypto';
import {
  type _Record,
  type AttributeValue,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import { sleep } from '#lib/local/core/time';
import { requireService } from '#lib/local/core/types';
import type { FunctionRuntime, InvocationOutcome } from './function-runtime.ts';
import type { MappingConfig } from './mapping-config.ts';
import { type EventSourcePoller, type MappingHost, Naps, type ProcessingResult } from './mapping-host.ts';
import { readBatchResponse } from './sqs-poller.ts';

/** Pause between GetRecords calls that returned nothing (real time). */
const IDLE_POLL_MS = 50;
/** How often the stream is described to find new shards (real time). */
const DISCOVERY_MS = 1000;
const GET_RECORDS_LIMIT = 1000;

export interface StreamEventRecord {
  readonly eventID: string;
  readonly eventName: string;
  readonly eventVersion: string;
  readonly eventSource: 'aws:dynamodb';
  readonly awsRegion: string;
  readonly dynamodb: {
    readonly ApproximateCreationDateTime?: number;
    readonly Keys?: Record<string, unknown>;
    readonly NewImage?: Record<string, unknown>;
    readonly OldImage?: Record<string, unknown>;
    readonly SequenceNumber: string;
    readonly SizeBytes?: number;
    readonly StreamViewType?: string;
  };
  readonly eventSourceARN: string;
  readonly userIdentity?: { readonly type?: string; readonly principalId?: string };
}

/** An AttributeValue as the SDK gives it -> DynamoDB JSON as the event carries it (binary as base64). */
const wireValue = (value: AttributeValue): unknown => {
  const v = value as unknown as Record<string, unknown>;
  if (v.B instanceof Uint8Array) return { B: Buffer.from(v.B).toString('base64') };
  if (Array.isArray(v.BS))
    return { BS: (v.BS as Uint8Array[]).map((b) => Buffer.from(b).toString('base64')) };
  if (Array.isArray(v.L)) return { L: (v.L as AttributeValue[]).map(wireValue) };
  if (v.M && typeof v.M === 'object') return { M: wireImage(v.M as Record<string, AttributeValue>) };
  const { $unknown: _unknown, ...rest } = v;
  return rest;
};

const wireImage = (image: Record<string, AttributeValue> | undefined): Record<string, unknown> | undefined =>
  image
    ? Object.fromEntries(Object.entries(image).map(([key, value]) => [key, wireValue(value)]))
    : undefined;

const seconds = (date: Date | undefined): number | undefined => (date ? date.getTime() / 1000 : undefined);

export const streamEventRecord = (
  record: _Record,
  eventSourceArn: string,
  region: string,
): StreamEventRecord => {
  const data = record.dynamodb ?? {};
  const dynamodb: Record<string, unknown> = {};
  const created = seconds(data.ApproximateCreationDateTime);
  if (created !== undefined) dynamodb.ApproximateCreationDateTime = created;
  if (data.Keys) dynamodb.Keys = wireImage(data.Keys);
  if (data.NewImage) dynamodb.NewImage = wireImage(data.NewImage);
  if (data.OldImage) dynamodb.OldImage = wireImage(data.OldImage);
  dynamodb.SequenceNumber = data.SequenceNumber ?? '';
  if (data.SizeBytes !== undefined) dynamodb.SizeBytes = data.SizeBytes;
  if (data.StreamViewType) dynamodb.StreamViewType = data.StreamViewType;
  return {
    eventID: record.eventID ?? randomUUID().replaceAll('-', ''),
    eventName: record.eventName ?? 'MODIFY',
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: dynamodb as unknown as StreamEventRecord['dynamodb'],
    eventSourceARN: eventSourceArn,
    ...(record.userIdentity
      ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }
      : {}),
  };
};

const compareSequence = (a: string, b: string): number => {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

const isoSeconds = (epochSeconds: number | undefined): string =>
  `${new Date((epochSeconds ?? Date.now() / 1000) * 1000).toISOString().slice(0, 19)}Z`;

interface ShardState {
  readonly id: string;
  readonly parent?: string | undefined;
  readonly position: ShardIteratorType;
  started: boolean;
  finished: boolean;
}

interface PendingBatch {
  records: StreamEventRecord[];
  /** Retries so far (a split is not a retry). */
  retries: number;
  /** Invocations of these records so far. */
  invokes: number;
}

export class StreamPoller implements EventSourcePoller {
  private running = false;
  private client: DynamoDBStreamsClient | undefined;
  private readonly shards = new Map<string, ShardState>();
  private readonly loops = new Set<Promise<void>>();
  private readonly naps = new Naps();
  private problem: string | undefined;
  lastProcessingResult: ProcessingResult = 'No records processed';

  constructor(
    private readonly config: MappingConfig,
    private readonly runtime: FunctionRuntime,
    private readonly host: MappingHost,
  ) {}

  start(): void {
    if (this.running || !this.config.enabled) return;
    this.running = true;
    this.track(this.discoverLoop());
  }

  async stop(): Promise<void> {
    this.running = false;
    this.naps.wakeAll();
    await Promise.race([Promise.allSettled([...this.loops]), sleep(1000)]);
    this.client?.destroy();
  }

  private track(loop: Promise<void>): void {
    const tracked = loop
      .catch((error: unknown) => this.report(`poller stopped: ${(error as Error).message}`))
      .finally(() => this.loops.delete(tracked));
    this.loops.add(tracked);
  }

  private report(problem: string | undefined): void {
    if (problem && problem !== this.problem) {
      this.host.log(`event source mapping ${this.config.uuid} (${this.config.functionName}): ${problem}`);
    }
    this.problem = problem;
    if (problem) this.lastProcessingResult = `PROBLEM: ${problem}`;
  }

  private streams(): { client: DynamoDBStreamsClient; streamArn: string } {
    const dynamodb = requireService(this.host.ctx.services, 'dynamodb');
    this.client ??= new DynamoDBStreamsClient({
      endpoint: dynamodb.endpoint,
      region: this.host.ctx.region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 2,
    });
    return { client: this.client, streamArn: dynamodb.localArn(this.config.eventSourceArn) };
  }

  private async discoverLoop(): Promise<void> {
    let initial = true;
    while (this.running) {
      try {
        await this.discover(initial);
        initial = false;
        if (this.problem?.startsWith('cannot describe')) this.report(undefined);
      } catch (error) {
        this.report(`cannot describe ${this.config.eventSourceArn}: ${(error as Error).message}`);
      }
      await this.naps.nap(DISCOVERY_MS);
    }
  }

  private async discover(initial: boolean): Promise<void> {
    const { client, streamArn } = this.streams();
    const found: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const page = await client.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      found.push(...(page.StreamDescription?.Shards ?? []));
      exclusiveStartShardId = page.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId && this.running);

    const startingPosition = (this.config.startingPosition ?? 'TRIM_HORIZON') as ShardIteratorType;
    for (const shard of found) {
      if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
      this.shards.set(shard.ShardId, {
        id: shard.ShardId,
        parent: shard.ParentShardId,
        position: initial ? startingPosition : 'TRIM_HORIZON',
        started: false,
        finished: false,
      });
    }
    for (const shard of this.shards.values()) {
      if (shard.started || !this.running) continue;
      const parent = shard.parent ? this.shards.get(shard.parent) : undefined;
      if (parent && !parent.finished) continue;
      shard.started = true;
      this.track(this.readShard(shard, streamArn));
    }
  }

  private async iterator(shard: ShardState, streamArn: string, after?: string): Promise<string | undefined> {
    const { client } = this.streams();
    const answer = await client.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.id,
        ShardIteratorType: after ? 'AFTER_SEQUENCE_NUMBER' : shard.position,
        ...(after ? { SequenceNumber: after } : {}),
      }),
    );
    return answer.ShardIterator;
  }

  private async readShard(shard: ShardState, streamArn: string): Promise<void> {
    const { client } = this.streams();
    const windowMs = this.host.ctx.time.ms(this.config.batchingWindowSeconds);
    const buffer: StreamEventRecord[] = [];
    let bufferedSince = 0;
    let lastRead: string | undefined;
    let iterator: string | undefined;
    let open = true;
    while (this.running) {
      let got = 0;
      try {
        if (open && iterator === undefined) {
          iterator = await this.iterator(shard, streamArn, lastRead);
          if (iterator === undefined) open = false;
        }
        if (open && iterator !== undefined) {
          const page = await client.send(
            new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_RECORDS_LIMIT }),
          );
          iterator = page.NextShardIterator;
          if (iterator === undefined) open = false;
          for (const raw of page.Records ?? []) {
            got += 1;
            lastRead = raw.dynamodb?.SequenceNumber ?? lastRead;
            const record = streamEventRecord(raw, this.config.eventSourceArn, this.host.ctx.region);
            if (this.config.filter && !this.config.filter.matches(record)) continue;
            if (buffer.length === 0) bufferedSince = Date.now();
            buffer.push(record);
          }
        }
        if (this.problem?.startsWith('cannot read')) this.report(undefined);
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'ResourceNotFoundException') {
          this.report(`cannot read shard ${shard.id}: ${(error as Error).message}`);
          open = false;
        } else {
          if (name !== 'ExpiredIteratorException' && name !== 'TrimmedDataAccessException') {
            this.report(`cannot read shard ${shard.id}: ${(error as Error).message}`);
          }
          iterator = undefined; // a fresh iterator after the last record read
          await this.naps.nap(DISCOVERY_MS);
          continue;
        }
      }
      while (
        this.running &&
        buffer.length > 0 &&
        (buffer.length >= this.config.batchSize || !open || Date.now() - bufferedSince >= windowMs)
      ) {
        const batch = buffer.splice(0, this.config.batchSize);
        bufferedSince = Date.now();
        try {
          await this.processBatch(shard.id, batch);
        } catch (error) {
          if (!this.running) break;
          // Not the function's failure (that is handled inside): keep the records, in order, and try again.
          this.report(`batch failed in the poller: ${(error as Error).message}`);
          buffer.unshift(...batch);
          await this.naps.nap(DISCOVERY_MS);
        }
      }
      if (!open && buffer.length === 0) break;
      if (got === 0) await this.naps.nap(buffer.length > 0 ? Math.min(IDLE_POLL_MS, windowMs) : IDLE_POLL_MS);
    }
    if (!open) shard.finished = true;
  }

  private async processBatch(shardId: string, records: StreamEventRecord[]): Promise<void> {
    const { ctx } = this.host;
    const pending: PendingBatch[] = [{ records, retries: 0, invokes: 0 }];
    while (pending.length > 0 && this.running) {
      const item = pending[0] as PendingBatch;
      if (this.config.maximumRecordAgeSeconds >= 0) {
        const oldest = Date.now() - ctx.time.ms(this.config.maximumRecordAgeSeconds);
        const expired = item.records.filter(
          (record) =>
            (record.dynamodb.ApproximateCreationDateTime ?? Number.POSITIVE_INFINITY) * 1000 < oldest,
        );
        if (expired.length > 0) {
          await this.discard(shardId, expired, 'RecordAgeExceeded', item.invokes, undefined);
          item.records = item.records.filter((record) => !expired.includes(record));
          if (item.records.length === 0) {
            pending.shift();
            continue;
          }
        }
      }

      const outcome = await this.host.invoke(this.runtime, { Records: item.records }, { trace: true });
      item.invokes += 1;
      this.lastProcessingResult = 'OK';
      let failedFrom = -1; // index of the first record to retry; -1: the batch succeeded
      let malformed: string | undefined;
      if (outcome.functionError) failedFrom = 0;
      else if (this.config.reportBatchItemFailures) {
        let response: unknown;
        try {
          response = JSON.parse(outcome.payload);
        } catch {
          response = Symbol('invalid');
        }
        const verdict = readBatchResponse(
          response,
          new Set(item.records.map((record) => record.dynamodb.SequenceNumber)),
        );
        if (verdict.kind === 'failure') {
          failedFrom = 0;
          malformed = verdict.reason;
        } else if (verdict.kind === 'partial') {
          const lowest = [...verdict.failed].sort(compareSequence)[0] as string;
          failedFrom = item.records.findIndex((record) => record.dynamodb.SequenceNumber === lowest);
        }
      }
      if (malformed) this.report(malformed);
      if (failedFrom < 0) {
        pending.shift();
        continue;
      }
      if (
        (outcome.functionError || malformed) &&
        this.config.bisectBatchOnFunctionError &&
        item.records.length > 1
      ) {
        const half = Math.ceil(item.records.length / 2);
        pending.splice(
          0,
          1,
          { records: item.records.slice(0, half), retries: item.retries, invokes: item.invokes },
          { records: item.records.slice(half), retries: item.retries, invokes: item.invokes },
        );
        continue;
      }
      item.records = item.records.slice(failedFrom);
      item.retries += 1;
      if (this.config.maximumRetryAttempts >= 0 && item.retries > this.config.maximumRetryAttempts) {
        await this.discard(shardId, item.records, 'RetryAttemptsExhausted', item.invokes, outcome);
        pending.shift();
        continue;
      }
      await this.naps.nap(ctx.time.ms(Math.min(2 ** (item.retries - 1), 30)));
    }
  }

  /** Skips records for good: their batch info goes to the on-failure destination, if there is one. */
  private async discard(
    shardId: string,
    records: readonly StreamEventRecord[],
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded',
    invokes: number,
    outcome: InvocationOutcome | undefined,
  ): Promise<void> {
    const first = records[0] as StreamEventRecord;
    const last = records[records.length - 1] as StreamEventRecord;
    const destination = this.config.onFailureDestination;
    const invocationRecord = {
      requestContext: {
        requestId: outcome?.requestId ?? randomUUID(),
        functionArn: this.config.functionArn,
        condition,
        approximateInvokeCount: invokes,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(outcome?.functionError ? { functionError: outcome.functionError } : {}),
      },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: first.dynamodb.SequenceNumber,
        endSequenceNumber: last.dynamodb.SequenceNumber,
        approximateArrivalOfFirstRecord: isoSeconds(first.dynamodb.ApproximateCreationDateTime),
        approximateArrivalOfLastRecord: isoSeconds(last.dynamodb.ApproximateCreationDateTime),
        batchSize: records.length,
        streamArn: this.config.eventSourceArn,
      },
    };
    const body = JSON.stringify(invocationRecord);
    let where = 'discarded (no on-failure destination)';
    try {
      if (destination?.startsWith('arn:aws:sqs:')) {
        await requireService(this.host.ctx.services, 'sqs').sendMessage(destination, body);
        where = `sent to ${destination.split(':').pop()}`;
      } else if (destination?.startsWith('arn:aws:sns:')) {
        await requireService(this.host.ctx.services, 'sns').publish(destination, body);
        where = `sent to ${destination.split(':').pop()}`;
      } else if (destination) {
        where = `discarded (destination ${destination} is not emulated)`;
      }
    } catch (error) {
      where = `lost: the on-failure destination refused it (${(error as Error).message})`;
    }
    this.host.log(
      `${this.config.functionName}: ${records.length} stream record(s) ${first.dynamodb.SequenceNumber}..${last.dynamodb.SequenceNumber} skipped after ${condition}; ${where}`,
    );
    this.host.trace({
      event: `stream ${records.length} record(s)`,
      service: this.config.functionName,
      outcome: `failed: ${condition}, ${where}`,
    });
  }
}
