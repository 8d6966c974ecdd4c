/**
 * The local EventBridge: event buses, rules and archives from the template, PutEvents (in process and on the
 * edge), rule matching with the documented event-pattern semantics, and delivery to the rules' targets with
 * each target's input transformation, retry policy and dead-letter queue.
 *
 * Delivery is asynchronous to PutEvents, as on AWS: PutEvents validates and accepts the entries, matches
 * them, and queues one delivery per (event, rule target). A delivery that fails with a retriable error is
 * retried with exponential backoff and jitter (intervals scaled by ORDERFLOW_TIME_SCALE) until
 * MaximumRetryAttempts or MaximumEventAgeInSeconds runs out; then, or at once for a permanent error, the
 * event goes to the target's dead-letter queue with the attributes AWS adds. Pending deliveries live in
 * memory; `stop()` lets them finish for a while and reports those it had to drop.
 */
import { randomUUID } from 'node:crypto';
import { AwsApiError, arn } from '#lib/local/core/aws-protocol';
import type {
  CloudContext,
  Engine,
  EventsApi,
  ProvisionedResource,
  PutEventsEntry,
  ResourceProvider,
  ServiceHandler,
  SqsMessageAttribute,
  TemplateResource,
} from '#lib/local/core/types';
import { physicalName } from '#lib/local/template/physical-name';
import { EventsHandler } from './api.ts';
import { isJsonObject, parseJsonPreservingNumbers, toPlainJson } from './json.ts';
import { type CompiledEventPattern, compileEventPattern, InvalidEventPatternError } from './pattern.ts';
import { InvalidTargetInputError, PREDEFINED_VARIABLES, targetInput } from './transform.ts';

export const DEFAULT_BUS = 'default';
const NAMESPACE = 'AWS/Events';
/** PutEvents: "The total entry size must be less than 256KB". */
const MAX_REQUEST_BYTES = 256 * 1024;
const MAX_ENTRIES = 10;
const MAX_TARGETS_PER_RULE = 5;
const DEFAULT_RETRY_ATTEMPTS = 185;
const DEFAULT_EVENT_AGE_SECONDS = 86_400;
/** Backoff between retries: 1 s doubling to at most 5 minutes, with equal jitter (an emulation choice). */
const BACKOFF_BASE_SECONDS = 1;
const BACKOFF_CAP_SECONDS = 300;
const ARCHIVE_RULE_PREFIX = 'Events-Archive-';
const NAME_PATTERN = /^[.\-_A-Za-z0-9]+$/;

/** An event as EventBridge delivers it. `detail` keeps its numbers exactly as they were written. */
export interface EventEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
  readonly 'replay-name'?: string;
}

/** A rule target, as PutTargets and the template's `Targets` give it. */
export interface TargetDefinition {
  readonly Id: string;
  readonly Arn: string;
  readonly RoleArn?: string;
  readonly Input?: string;
  readonly InputPath?: string;
  readonly InputTransformer?: {
    readonly InputPathsMap?: Readonly<Record<string, string>>;
    readonly InputTemplate: string;
  };
  readonly RetryPolicy?: {
    readonly MaximumRetryAttempts?: number;
    readonly MaximumEventAgeInSeconds?: number;
  };
  readonly DeadLetterConfig?: { readonly Arn?: string };
  readonly SqsParameters?: { readonly MessageGroupId?: string };
  readonly [other: string]: unknown;
}

interface RuleRecord {
  readonly name: string;
  readonly arn: string;
  readonly busName: string;
  eventPattern: string | undefined;
  compiled: CompiledEventPattern | undefined;
  scheduleExpression: string | undefined;
  state: string;
  description: string | undefined;
  roleArn: string | undefined;
  readonly managedBy: string | undefined;
  /** For the managed rule of an archive: the archive it feeds. */
  readonly archiveName: string | undefined;
  readonly targets: Map<string, TargetDefinition>;
}

interface BusRecord {
  readonly name: string;
  readonly arn: string;
  readonly description: string | undefined;
  readonly policy: string | undefined;
  readonly creationTime: number;
  readonly rules: Map<string, RuleRecord>;
}

/** An event kept by an archive. */
export interface ArchivedEvent {
  readonly event: EventEnvelope;
  readonly json: string;
  /** Epoch ms when it was archived. */
  readonly archivedAt: number;
}

interface ArchiveRecord {
  readonly name: string;
  readonly arn: string;
  readonly busName: string;
  readonly sourceArn: string;
  readonly description: string | undefined;
  readonly eventPattern: string | undefined;
  readonly retentionDays: number;
  readonly creationTime: number;
  readonly events: ArchivedEvent[];
  sizeBytes: number;
}

interface Delivery {
  readonly rule: RuleRecord;
  readonly target: TargetDefinition;
  readonly event: EventEnvelope;
  readonly json: string;
  readonly ingestedAt: number;
  attempts: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  running: Promise<void> | undefined;
}

/** Why a delivery failed: the DLQ's ERROR_CODE and ERROR_MESSAGE, and whether EventBridge retries it. */
interface DeliveryFailure {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  /** False when the target could not be invoked at all (it does not exist, or the input is unusable). */
  readonly invoked: boolean;
}

/** A failure the engine classifies itself. */
class TargetFailure extends Error {
  readonly failure: DeliveryFailure;
  constructor(failure: DeliveryFailure) {
    super(failure.message);
    this.failure = failure;
  }
}

export interface EventBridgeEngineOptions {
  /** The jitter source, in [0, 1). Default Math.random. */
  readonly random?: () => number;
  /** How long `stop()` lets pending deliveries finish (real milliseconds) before dropping them. Default 2000. */
  readonly drainTimeoutMs?: number;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

const awsTime = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

const utf8Length = (text: string | undefined): number =>
  text === undefined ? 0 : Buffer.byteLength(text, 'utf8');

const validation = (message: string): AwsApiError => new AwsApiError('ValidationException', message);

/** `arn:aws:events:us-east-1:000000000000:event-bus/orders` or `orders` -> `orders`. */
export const busNameOf = (nameOrArn: string | undefined): string => {
  if (nameOrArn === undefined || nameOrArn === '') return DEFAULT_BUS;
  if (nameOrArn.startsWith('arn:'))
    return nameOrArn.slice(nameOrArn.indexOf(':event-bus/') + ':event-bus/'.length);
  return nameOrArn;
};

const parseArn = (value: string): { service: string; resource: string } | undefined => {
  const parts = value.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return { service: parts[2] ?? '', resource: parts.slice(5).join(':') };
};

const errorName = (error: unknown): string => {
  if (error instanceof AwsApiError) return error.code;
  if (typeof error === 'object' && error !== null) {
    const record = error as { code?: unknown; name?: unknown; Code?: unknown; __type?: unknown };
    for (const candidate of [record.code, record.Code, record.__type, record.name]) {
      if (typeof candidate === 'string' && candidate !== 'Error') return candidate;
    }
  }
  return '';
};

const errorStatus = (error: unknown): number | undefined => {
  if (error instanceof AwsApiError) return error.status;
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata
    ?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
};

/** Sorts a target's error into the DLQ error codes AWS documents, and whether it is retried. */
const classify = (error: unknown): DeliveryFailure => {
  if (error instanceof TargetFailure) return error.failure;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof InvalidTargetInputError) {
    return { code: 'INVALID_JSON', message, retryable: false, invoked: false };
  }
  const name = errorName(error);
  const status = errorStatus(error);
  if (/NotFound|NonExistent|DoesNotExist|NoSuch/i.test(name)) {
    return { code: 'NO_RESOURCE', message, retryable: false, invoked: false };
  }
  if (/AccessDenied|NotAuthorized|Unauthorized|Forbidden/i.test(name) || status === 403) {
    return { code: 'NO_PERMISSIONS', message, retryable: false, invoked: false };
  }
  if (/Throttl|TooManyRequests|RequestLimitExceeded|SlowDown/i.test(name) || status === 429) {
    return { code: 'THROTTLING', message, retryable: true, invoked: true };
  }
  if (/Timeout|TimedOut/i.test(name)) return { code: 'TIMEOUT', message, retryable: true, invoked: true };
  if (status !== undefined && status >= 400 && status < 500) {
    return { code: 'INVALID_PARAMETER', message, retryable: false, invoked: true };
  }
  return { code: 'ERROR_FROM_TARGET', message, retryable: true, invoked: true };
};

/** The orderflow identifiers an event carries, for the live trace. */
const traceIds = (detail: unknown): { orderId?: string; correlationId?: string } => {
  if (!isJsonObject(detail)) return {};
  const data = detail.data;
  const metadata = detail.metadata;
  const orderId = isJsonObject(data) && typeof data.orderId === 'string' ? data.orderId : undefined;
  const correlationId =
    isJsonObject(metadata) && typeof metadata.correlationId === 'string' ? metadata.correlationId : undefined;
  return { ...(orderId ? { orderId } : {}), ...(correlationId ? { correlationId } : {}) };
};

const patternText = (pattern: unknown): string | undefined => {
  if (pattern === undefined || pattern === null || pattern === '') return undefined;
  return typeof pattern === 'string' ? pattern : JSON.stringify(pattern);
};

const compilePattern = (pattern: string | undefined): CompiledEventPattern | undefined => {
  if (pattern === undefined) return undefined;
  try {
    return compileEventPattern(pattern);
  } catch (error) {
    if (error instanceof InvalidEventPatternError)
      throw new AwsApiError('InvalidEventPatternException', error.message);
    throw error;
  }
};

const paginate = <T>(
  items: readonly T[],
  nextToken: unknown,
  limit: unknown,
): { page: T[]; nextToken?: string } => {
  let start = 0;
  if (nextToken !== undefined && nextToken !== null) {
    const decoded = Number(Buffer.from(String(nextToken), 'base64').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0) throw validation('The NextToken provided is invalid.');
    start = decoded;
  }
  const size = limit === undefined || limit === null ? 100 : Number(limit);
  if (!Number.isInteger(size) || size < 1 || size > 100) {
    throw validation(
      `1 validation error detected: Value '${String(limit)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100`,
    );
  }
  const page = items.slice(start, start + size);
  const end = start + page.length;
  return end < items.length ? { page, nextToken: Buffer.from(String(end)).toString('base64') } : { page };
};

const optionalString = (value: unknown, field: string): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validation(`Parameter ${field} is not valid.`);
  return value;
};

/** The event time for an entry's `Time`: a Date, an ISO string, or epoch seconds (as awsJson sends it). */
const entryTime = (time: PutEventsEntry['Time']): Date => {
  if (time === undefined || time === null) return new Date();
  // A number is epoch seconds, as awsJson sends timestamps (or milliseconds, when it is too large for seconds).
  const date =
    time instanceof Date
      ? time
      : typeof time === 'number'
        ? new Date(time > 1e11 ? time : time * 1000)
        : new Date(time);
  return Number.isNaN(date.getTime()) ? new Date() : date;
};

/** A rule name as the API model constrains it (1-64 of `[.\-_A-Za-z0-9]`), in every operation that takes one. */
const ruleName = (value: unknown, member: 'name' | 'rule' = 'name'): string => {
  const name = optionalString(value, member === 'name' ? 'Name' : 'Rule');
  if (name !== undefined && name.length > 64) {
    throw validation(
      `1 validation error detected: Value '${name}' at '${member}' failed to satisfy constraint: Member must have length less than or equal to 64`,
    );
  }
  if (!name || !NAME_PATTERN.test(name)) {
    throw validation(
      `1 validation error detected: Value '${name ?? ''}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`,
    );
  }
  return name;
};

/** EventPattern is at most 4096 characters, in PutRule and TestEventPattern alike (the API model's constraint). */
const MAX_PATTERN_LENGTH = 4096;
const checkPatternLength = (pattern: string | undefined): void => {
  if (pattern !== undefined && pattern.length > MAX_PATTERN_LENGTH) {
    throw validation(
      `1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PATTERN_LENGTH}`,
    );
  }
};

export class EventBridgeEngine implements Engine, EventsApi {
  readonly name = 'eventbridge';
  readonly providers: readonly ResourceProvider[];
  readonly handlers: readonly ServiceHandler[];

  private readonly ctx: CloudContext;
  private readonly random: () => number;
  private readonly drainTimeoutMs: number;
  private readonly buses = new Map<string, BusRecord>();
  private readonly archives = new Map<string, ArchiveRecord>();
  private readonly pending = new Set<Delivery>();
  private stopped = false;

  constructor(ctx: CloudContext, options: EventBridgeEngineOptions = {}) {
    this.ctx = ctx;
    this.random = options.random ?? Math.random;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 2000;
    this.createBus(DEFAULT_BUS, undefined, undefined);
    this.handlers = [new EventsHandler(this)];
    this.providers = [
      { types: ['AWS::Events::EventBus'], provision: async (resource) => this.provisionBus(resource) },
      { types: ['AWS::Events::Rule'], provision: async (resource) => this.provisionRule(resource) },
      { types: ['AWS::Events::Archive'], provision: async (resource) => this.provisionArchive(resource) },
    ];
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.ctx.services.events = this;
  }

  /** Lets pending deliveries finish for `drainTimeoutMs`, then drops (and reports) the rest. */
  async stop(): Promise<void> {
    const drained = await this.drain(this.drainTimeoutMs);
    this.stopped = true;
    if (!drained) {
      const left = [...this.pending];
      for (const delivery of left) {
        if (delivery.timer) clearTimeout(delivery.timer);
        this.pending.delete(delivery);
      }
      this.ctx.log(
        `eventbridge: ${left.length} event deliveries were still pending at shutdown and were dropped: ${left
          .map((delivery) => `${delivery.event.id} -> ${delivery.target.Arn} (rule ${delivery.rule.name})`)
          .join(', ')}`,
      );
    }
    if (this.ctx.services.events === this) delete this.ctx.services.events;
  }

  /** Waits until no delivery is pending (true) or `timeoutMs` passes (false). */
  async drain(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return true;
  }

  /** How many (event, target) deliveries are queued, retrying or in flight. */
  get pendingDeliveries(): number {
    return this.pending.size;
  }

  // -------------------------------------------------------------------------------------------------------
  // PutEvents

  async putEvents(entries: readonly PutEventsEntry[]): Promise<{
    failedEntryCount: number;
    entries: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
  }> {
    return this.putEventsInternal(entries, {});
  }

  /**
   * `internal`: the event comes from EventBridge itself (a replay, or a rule forwarding to another bus), which
   * may carry an `aws.` source.
   */
  private putEventsInternal(
    entries: readonly PutEventsEntry[],
    origin: { readonly replayName?: string | undefined; readonly internal?: boolean },
  ): {
    failedEntryCount: number;
    entries: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
  } {
    if (!Array.isArray(entries) || entries.length === 0) {
      throw validation(
        "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    }
    if (entries.length > MAX_ENTRIES) {
      throw validation(
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
      );
    }
    // "Calculating PutEvents event entry size": Time 14 bytes; Source, DetailType, Detail, Resources as UTF-8.
    const size = entries.reduce(
      (total, entry) =>
        total +
        (entry.Time !== undefined ? 14 : 0) +
        utf8Length(entry.Source) +
        utf8Length(entry.DetailType) +
        utf8Length(entry.Detail) +
        (entry.Resources ?? []).reduce((sum: number, resource: string) => sum + utf8Length(resource), 0),
      0,
    );
    if (size > MAX_REQUEST_BYTES)
      throw validation('Total size of the entries in the request is over the limit.');
    const results = entries.map((entry) => this.acceptEntry(entry, origin));
    return {
      failedEntryCount: results.filter((result) => result.ErrorCode !== undefined).length,
      entries: results,
    };
  }

  private acceptEntry(
    entry: PutEventsEntry,
    origin: { readonly replayName?: string | undefined; readonly internal?: boolean },
  ): { EventId?: string; ErrorCode?: string; ErrorMessage?: string } {
    const rejected = (ErrorCode: string, ErrorMessage: string) => {
      this.ctx.trace.emit({
        event:
          typeof entry.DetailType === 'string' && entry.DetailType !== ''
            ? entry.DetailType
            : '(no detail-type)',
        service: 'eventbridge',
        outcome: `rejected: ${ErrorCode}`,
      });
      return { ErrorCode, ErrorMessage };
    };
    if (typeof entry.Source !== 'string' || entry.Source === '') {
      return rejected(
        'InvalidArgument',
        'Parameter Source is not valid. Reason: Source is a required argument.',
      );
    }
    if (typeof entry.DetailType !== 'string' || entry.DetailType === '') {
      return rejected(
        'InvalidArgument',
        'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
      );
    }
    if (typeof entry.Detail !== 'string' || entry.Detail === '') {
      return rejected(
        'InvalidArgument',
        'Parameter Detail is not valid. Reason: Detail is a required argument.',
      );
    }
    let detail: unknown;
    try {
      detail = parseJsonPreservingNumbers(entry.Detail);
    } catch {
      detail = undefined;
    }
    if (!isJsonObject(detail)) return rejected('MalformedDetail', 'Detail is malformed.');
    if (entry.Source.startsWith('aws.') && origin.internal !== true) {
      return rejected('NotAuthorizedForSourceException', 'Not authorized for the source.');
    }
    const resources = entry.Resources ?? [];
    if (!Array.isArray(resources) || resources.some((resource) => typeof resource !== 'string')) {
      return rejected('InvalidArgument', 'Parameter Resources is not valid.');
    }
    const event: EventEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: this.ctx.accountId,
      time: awsTime(entryTime(entry.Time)),
      region: this.ctx.region,
      resources: [...resources],
      detail,
      ...(origin.replayName !== undefined ? { 'replay-name': origin.replayName } : {}),
    };
    const busName = busNameOf(entry.EventBusName);
    const bus = this.buses.get(busName);
    const ids = traceIds(detail);
    if (!bus) {
      // AWS accepts an entry for a bus that does not exist and drops it; say so in the trace and the log.
      this.ctx.log(
        `eventbridge: event ${event.id} (${event['detail-type']}) was put on event bus ${busName}, which does not exist`,
      );
      this.ctx.trace.emit({
        ...ids,
        event: event['detail-type'],
        service: 'eventbridge',
        outcome: `no event bus ${busName}`,
      });
      return { EventId: event.id };
    }
    const matched = this.route(bus, event);
    const rules = matched.filter((rule) => rule.managedBy === undefined).length;
    this.ctx.trace.emit({
      ...ids,
      event: event['detail-type'],
      service: 'eventbridge',
      outcome: `→ ${rules} rule${rules === 1 ? '' : 's'}`,
    });
    return { EventId: event.id };
  }

  /** Matches an accepted event against the bus's enabled rules and queues one delivery per target. */
  private route(bus: BusRecord, event: EventEnvelope): RuleRecord[] {
    const json = JSON.stringify(event);
    const ingestedAt = Date.now();
    const matched = [...bus.rules.values()].filter(
      (rule) => rule.state.startsWith('ENABLED') && rule.compiled?.matches(event) === true,
    );
    if (matched.length > 0) this.metric('MatchedEvents', {});
    for (const rule of matched) {
      this.metric('TriggeredRules', this.ruleDimensions(rule));
      if (rule.archiveName !== undefined) {
        this.archive(rule.archiveName, event, json);
        continue;
      }
      for (const target of rule.targets.values()) {
        const delivery: Delivery = {
          rule,
          target,
          event,
          json,
          ingestedAt,
          attempts: 0,
          timer: undefined,
          running: undefined,
        };
        this.pending.add(delivery);
        this.schedule(delivery, 0);
      }
    }
    return matched;
  }

  private archive(name: string, event: EventEnvelope, json: string): void {
    const archive = this.archives.get(name);
    if (!archive) return;
    const now = Date.now();
    if (archive.retentionDays > 0) {
      const oldest = now - archive.retentionDays * 86_400_000;
      while ((archive.events[0]?.archivedAt ?? now) < oldest) {
        const dropped = archive.events.shift();
        archive.sizeBytes -= utf8Length(dropped?.json);
      }
    }
    archive.events.push({ event, json, archivedAt: now });
    archive.sizeBytes += utf8Length(json);
  }

  // -------------------------------------------------------------------------------------------------------
  // Delivery

  private schedule(delivery: Delivery, delayMs: number): void {
    delivery.timer = setTimeout(() => {
      delivery.timer = undefined;
      delivery.running = this.attempt(delivery).finally(() => {
        delivery.running = undefined;
      });
    }, delayMs);
  }

  private retryPolicy(target: TargetDefinition): { attempts: number; ageMs: number } {
    const attempts = target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
    const ageSeconds = target.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_EVENT_AGE_SECONDS;
    return { attempts, ageMs: this.ctx.time.ms(ageSeconds) };
  }

  /** The wait before retry `retry` (1, 2 ...): exponential, capped, with equal jitter, scaled. */
  private backoffMs(retry: number): number {
    const seconds = Math.min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (retry - 1));
    return this.ctx.time.ms(seconds / 2 + (this.random() * seconds) / 2);
  }

  private async attempt(delivery: Delivery): Promise<void> {
    if (this.stopped) {
      this.pending.delete(delivery);
      this.ctx.log(
        `eventbridge: event ${delivery.event.id} to ${delivery.target.Arn} was dropped: the engine is stopped`,
      );
      return;
    }
    delivery.attempts += 1;
    const dimensions = this.ruleDimensions(delivery.rule);
    this.metric('InvocationAttempts', dimensions);
    if (delivery.attempts > 1) this.metric('RetryInvocationAttempts', dimensions);
    try {
      await this.invokeTarget(delivery);
      this.metric('SuccessfulInvocationAttempts', dimensions);
      this.metric('Invocations', dimensions);
      this.pending.delete(delivery);
    } catch (error) {
      const failure = classify(error);
      if (!failure.retryable) return this.abandon(delivery, failure, undefined);
      const policy = this.retryPolicy(delivery.target);
      const retry = delivery.attempts;
      if (retry > policy.attempts) return this.abandon(delivery, failure, 'MaximumRetryAttempts');
      const delay = this.backoffMs(retry);
      if (Date.now() + delay - delivery.ingestedAt > policy.ageMs) {
        return this.abandon(delivery, failure, 'MaximumEventAgeInSeconds');
      }
      if (this.stopped) return;
      this.traceDelivery(delivery, `retry ${retry}: ${failure.code}`);
      this.schedule(delivery, delay);
    }
  }

  /** Gives a delivery up: counts it, sends the event to the target's DLQ if it has one, and reports it. */
  private async abandon(
    delivery: Delivery,
    failure: DeliveryFailure,
    exhausted: 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds' | undefined,
  ): Promise<void> {
    const dimensions = this.ruleDimensions(delivery.rule);
    if (failure.invoked) {
      this.metric('Invocations', dimensions);
      this.metric('FailedInvocations', dimensions);
    } else {
      this.metric('DeadLetterInvocations', dimensions);
    }
    const dlq = delivery.target.DeadLetterConfig?.Arn;
    let outcome = `failed: ${failure.code}${exhausted ? ` (${exhausted})` : ''}, event dropped`;
    if (dlq) {
      try {
        const sqs = this.ctx.services.sqs;
        if (!sqs) throw new Error('the local sqs engine is not running');
        if (dlq.endsWith('.fifo')) throw new Error('a FIFO queue cannot be an EventBridge dead-letter queue');
        const attribute = (value: string): SqsMessageAttribute => ({
          DataType: 'String',
          StringValue: value,
        });
        await sqs.sendMessage(dlq, delivery.json, {
          messageAttributes: {
            RULE_ARN: attribute(delivery.rule.arn),
            TARGET_ARN: attribute(delivery.target.Arn),
            ERROR_CODE: attribute(failure.code),
            ERROR_MESSAGE: attribute(failure.message.slice(0, 1024)),
            ...(exhausted ? { EXHAUSTED_RETRY_CONDITION: attribute(exhausted) } : {}),
            RETRY_ATTEMPTS: attribute(String(Math.max(0, delivery.attempts - 1))),
          },
        });
        this.metric('InvocationsSentToDlq', dimensions);
        outcome = `dead-lettered: ${failure.code}${exhausted ? ` (${exhausted})` : ''}`;
      } catch (error) {
        this.metric('InvocationsFailedToBeSentToDlq', dimensions);
        this.ctx.log(
          `eventbridge: event ${delivery.event.id} could not be sent to the dead-letter queue ${dlq} of rule ${delivery.rule.name}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    } else {
      this.ctx.log(
        `eventbridge: event ${delivery.event.id} to ${delivery.target.Arn} (rule ${delivery.rule.name}) failed and has no dead-letter queue: ${failure.code} ${failure.message}`,
      );
    }
    this.traceDelivery(delivery, outcome);
    this.pending.delete(delivery);
  }

  private traceDelivery(delivery: Delivery, outcome: string): void {
    this.ctx.trace.emit({
      ...traceIds(delivery.event.detail),
      event: delivery.event['detail-type'],
      service: `eventbridge:${delivery.rule.name}`,
      outcome,
    });
  }

  private missing(service: string): TargetFailure {
    return new TargetFailure({
      code: 'NO_RESOURCE',
      message: `the local ${service} engine is not running`,
      retryable: false,
      invoked: false,
    });
  }

  private async invokeTarget(delivery: Delivery): Promise<void> {
    const { target, event, rule } = delivery;
    const parsed = parseArn(target.Arn);
    if (!parsed) {
      throw new TargetFailure({
        code: 'NO_RESOURCE',
        message: `invalid target ARN ${target.Arn}`,
        retryable: false,
        invoked: false,
      });
    }
    if (parsed.service === 'events') {
      await this.forwardToBus(target.Arn, parsed.resource, event);
      return;
    }
    const input = targetInput(target, event as unknown as Record<string, unknown>, {
      ruleArn: rule.arn,
      ruleName: rule.name,
      ingestionTime: awsTime(new Date(delivery.ingestedAt)),
    });
    const services = this.ctx.services;
    switch (parsed.service) {
      case 'sqs': {
        const sqs = services.sqs;
        if (!sqs) throw this.missing('sqs');
        const fifo = target.Arn.endsWith('.fifo');
        await sqs.sendMessage(
          target.Arn,
          input,
          fifo
            ? {
                ...(target.SqsParameters?.MessageGroupId !== undefined
                  ? { messageGroupId: target.SqsParameters.MessageGroupId }
                  : {}),
                messageDeduplicationId: event.id,
              }
            : undefined,
        );
        return;
      }
      case 'sns': {
        const sns = services.sns;
        if (!sns) throw this.missing('sns');
        await sns.publish(target.Arn, input);
        return;
      }
      case 'lambda': {
        const lambda = services.lambda;
        if (!lambda) throw this.missing('lambda');
        let payload: unknown = input;
        try {
          payload = toPlainJson(parseJsonPreservingNumbers(input));
        } catch {
          // not JSON: the function receives the text
        }
        // EventBridge invokes Lambda asynchronously: once Lambda takes the event, the delivery has succeeded, and
        // an error thrown by the handler is Lambda's to retry (its own async retries and destinations).
        const result = await lambda.invoke(target.Arn, payload);
        if (result.functionError) {
          this.ctx.log(
            `eventbridge: rule ${rule.name} delivered event ${event.id} to ${target.Arn}; the function failed: ${JSON.stringify(result.payload)}`,
          );
        }
        return;
      }
      case 'states': {
        const stepFunctions = services.stepFunctions;
        if (!stepFunctions) throw this.missing('stepFunctions');
        await stepFunctions.startExecution(target.Arn, input);
        return;
      }
      default:
        throw new TargetFailure({
          code: 'NO_RESOURCE',
          message: `targets of type ${parsed.service} are not emulated by the local cloud`,
          retryable: false,
          invoked: false,
        });
    }
  }

  /** An event bus as a target: the event goes on that bus as it is. */
  private async forwardToBus(targetArn: string, resource: string, event: EventEnvelope): Promise<void> {
    const name = resource.startsWith('event-bus/') ? resource.slice('event-bus/'.length) : resource;
    if (!this.buses.has(name)) {
      throw new TargetFailure({
        code: 'NO_RESOURCE',
        message: `Event bus ${name} does not exist.`,
        retryable: false,
        invoked: false,
      });
    }
    const result = this.putEventsInternal(
      [
        {
          Source: event.source,
          DetailType: event['detail-type'],
          Detail: JSON.stringify(event.detail),
          Resources: event.resources,
          Time: event.time,
          EventBusName: targetArn,
        },
      ],
      { replayName: event['replay-name'], internal: true },
    );
    const failed = result.entries[0];
    if (failed?.ErrorCode) {
      throw new TargetFailure({
        code: 'INVALID_PARAMETER',
        message: `${failed.ErrorCode}: ${failed.ErrorMessage ?? ''}`,
        retryable: false,
        invoked: true,
      });
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Metrics

  /** Rule metrics carry RuleName, plus EventBusName for a rule on a custom bus. */
  private ruleDimensions(rule: RuleRecord): Record<string, string> {
    return rule.busName === DEFAULT_BUS
      ? { RuleName: rule.name }
      : { EventBusName: rule.busName, RuleName: rule.name };
  }

  private metric(metricName: string, dimensions: Record<string, string>): void {
    this.ctx.metrics.put({
      namespace: NAMESPACE,
      metricName,
      dimensions,
      value: 1,
      unit: 'Count',
      timestamp: Date.now(),
    });
  }

  // -------------------------------------------------------------------------------------------------------
  // Control plane (used by the wire API and by the providers)

  private busArn(name: string): string {
    return arn('events', `event-bus/${name}`, this.ctx.region, this.ctx.accountId);
  }

  private ruleArn(busName: string, ruleName: string): string {
    const resource = busName === DEFAULT_BUS ? `rule/${ruleName}` : `rule/${busName}/${ruleName}`;
    return arn('events', resource, this.ctx.region, this.ctx.accountId);
  }

  private createBus(name: string, description: string | undefined, policy: string | undefined): BusRecord {
    const bus: BusRecord = {
      name,
      arn: this.busArn(name),
      description,
      policy,
      creationTime: nowSeconds(),
      rules: new Map(),
    };
    this.buses.set(name, bus);
    return bus;
  }

  private bus(nameOrArn: unknown): BusRecord {
    const name = busNameOf(optionalString(nameOrArn, 'EventBusName'));
    const bus = this.buses.get(name);
    if (!bus) throw new AwsApiError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    return bus;
  }

  private rule(nameValue: unknown, busNameOrArn: unknown, member: 'name' | 'rule' = 'name'): RuleRecord {
    const bus = this.bus(busNameOrArn);
    const name = ruleName(nameValue, member);
    const rule = bus.rules.get(name);
    if (!rule)
      throw new AwsApiError(
        'ResourceNotFoundException',
        `Rule ${name} does not exist on EventBus ${bus.name}.`,
      );
    return rule;
  }

  private describeBus(bus: BusRecord): Record<string, unknown> {
    return {
      Name: bus.name,
      Arn: bus.arn,
      ...(bus.description !== undefined ? { Description: bus.description } : {}),
      ...(bus.policy !== undefined ? { Policy: bus.policy } : {}),
      CreationTime: bus.creationTime,
      LastModifiedTime: bus.creationTime,
    };
  }

  private describeRuleRecord(rule: RuleRecord): Record<string, unknown> {
    return {
      Name: rule.name,
      Arn: rule.arn,
      ...(rule.eventPattern !== undefined ? { EventPattern: rule.eventPattern } : {}),
      ...(rule.scheduleExpression !== undefined ? { ScheduleExpression: rule.scheduleExpression } : {}),
      State: rule.state,
      ...(rule.description !== undefined ? { Description: rule.description } : {}),
      ...(rule.roleArn !== undefined ? { RoleArn: rule.roleArn } : {}),
      ...(rule.managedBy !== undefined ? { ManagedBy: rule.managedBy } : {}),
      EventBusName: rule.busName,
    };
  }

  createEventBus(input: Record<string, unknown>): { EventBusArn: string; Description?: string } {
    const name = optionalString(input.Name, 'Name');
    if (!name || !NAME_PATTERN.test(name) || name.length > 256)
      throw validation('Parameter Name is not valid.');
    if (name === DEFAULT_BUS || name.startsWith('aws.'))
      throw validation(`Event bus name ${name} is not valid.`);
    if (this.buses.has(name))
      throw new AwsApiError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    const description = optionalString(input.Description, 'Description');
    const bus = this.createBus(name, description, optionalString(input.Policy, 'Policy'));
    return { EventBusArn: bus.arn, ...(description !== undefined ? { Description: description } : {}) };
  }

  deleteEventBus(input: Record<string, unknown>): Record<string, never> {
    const name = busNameOf(optionalString(input.Name, 'Name'));
    if (name === DEFAULT_BUS) throw validation('Cannot delete event bus default.');
    this.buses.delete(name);
    return {};
  }

  describeEventBus(input: Record<string, unknown>): Record<string, unknown> {
    return this.describeBus(this.bus(input.Name));
  }

  listEventBuses(input: Record<string, unknown>): {
    EventBuses: Record<string, unknown>[];
    NextToken?: string;
  } {
    const prefix = optionalString(input.NamePrefix, 'NamePrefix') ?? '';
    const buses = [...this.buses.values()].filter((bus) => bus.name.startsWith(prefix));
    const { page, nextToken } = paginate(buses, input.NextToken, input.Limit);
    return {
      EventBuses: page.map((bus) => this.describeBus(bus)),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }

  putRule(input: Record<string, unknown>): { RuleArn: string } {
    const bus = this.bus(input.EventBusName);
    const name = ruleName(input.Name);
    const eventPattern = patternText(input.EventPattern);
    const scheduleExpression = optionalString(input.ScheduleExpression, 'ScheduleExpression');
    if (eventPattern === undefined && scheduleExpression === undefined) {
      throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    }
    checkPatternLength(eventPattern);
    if (scheduleExpression !== undefined && bus.name !== DEFAULT_BUS) {
      throw validation('ScheduleExpression is supported only on the default event bus.');
    }
    const existing = bus.rules.get(name);
    if (existing?.managedBy !== undefined) {
      throw new AwsApiError('ManagedRuleException', `Rule ${name} is managed by ${existing.managedBy}.`);
    }
    const compiled = compilePattern(eventPattern);
    const state = optionalString(input.State, 'State') ?? 'ENABLED';
    if (!['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'].includes(state)) {
      throw validation(`Parameter State is not valid.`);
    }
    if (scheduleExpression !== undefined) {
      this.ctx.log(
        `eventbridge: rule ${name} has ScheduleExpression ${scheduleExpression}; scheduled rules are not run locally`,
      );
    }
    const rule: RuleRecord = existing ?? {
      name,
      arn: this.ruleArn(bus.name, name),
      busName: bus.name,
      eventPattern: undefined,
      compiled: undefined,
      scheduleExpression: undefined,
      state,
      description: undefined,
      roleArn: undefined,
      managedBy: undefined,
      archiveName: undefined,
      targets: new Map(),
    };
    rule.eventPattern = eventPattern;
    rule.compiled = compiled;
    rule.scheduleExpression = scheduleExpression;
    rule.state = state;
    rule.description = optionalString(input.Description, 'Description');
    rule.roleArn = optionalString(input.RoleArn, 'RoleArn');
    bus.rules.set(name, rule);
    return { RuleArn: rule.arn };
  }

  describeRule(input: Record<string, unknown>): Record<string, unknown> {
    return {
      ...this.describeRuleRecord(this.rule(input.Name, input.EventBusName)),
      CreatedBy: this.ctx.accountId,
    };
  }

  listRules(input: Record<string, unknown>): { Rules: Record<string, unknown>[]; NextToken?: string } {
    const bus = this.bus(input.EventBusName);
    const prefix = optionalString(input.NamePrefix, 'NamePrefix') ?? '';
    const rules = [...bus.rules.values()]
      .filter((rule) => rule.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name));
    const { page, nextToken } = paginate(rules, input.NextToken, input.Limit);
    return {
      Rules: page.map((rule) => this.describeRuleRecord(rule)),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }

  setRuleState(input: Record<string, unknown>, state: 'ENABLED' | 'DISABLED'): Record<string, never> {
    this.rule(input.Name, input.EventBusName).state = state;
    return {};
  }

  deleteRule(input: Record<string, unknown>): Record<string, never> {
    const bus = this.bus(input.EventBusName);
    const name = ruleName(input.Name);
    const rule = bus.rules.get(name);
    if (!rule) return {};
    if (rule.managedBy !== undefined && input.Force !== true) {
      throw new AwsApiError('ManagedRuleException', `Rule ${name} is managed by ${rule.managedBy}.`);
    }
    if (rule.targets.size > 0) throw validation("Rule can't be deleted since it has targets.");
    bus.rules.delete(name);
    return {};
  }

  /** Checks one target as PutTargets does; throws a ValidationException. */
  private checkTarget(value: unknown, index: number): TargetDefinition {
    if (!isJsonObject(value)) throw validation(`Parameter Targets[${index}] is not valid.`);
    const target = value as unknown as TargetDefinition;
    const id = target.Id;
    if (typeof id !== 'string' || id.length === 0 || id.length > 64 || !NAME_PATTERN.test(id)) {
      throw validation(
        `1 validation error detected: Value '${String(id)}' at 'targets.${index + 1}.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`,
      );
    }
    if (typeof target.Arn !== 'string' || target.Arn.length === 0) {
      throw validation(`Parameter Arn of target ${id} is not valid.`);
    }
    const inputs = [target.Input, target.InputPath, target.InputTransformer].filter(
      (item) => item !== undefined,
    );
    if (inputs.length > 1) {
      throw validation(
        `Only one of Input, InputPath, or InputTransformer must be provided for target ${id}.`,
      );
    }
    if (target.Input !== undefined) {
      try {
        parseJsonPreservingNumbers(String(target.Input));
      } catch {
        throw validation(`Parameter Input of target ${id} is not valid JSON.`);
      }
    }
    const transformer = target.InputTransformer;
    if (transformer !== undefined) {
      if (typeof transformer.InputTemplate !== 'string') {
        throw validation(`Parameter InputTemplate of target ${id} must be specified.`);
      }
      const names = Object.keys(transformer.InputPathsMap ?? {});
      if (names.length > 100) throw validation(`InputPathsMap of target ${id} has more than 100 entries.`);
      const reserved = names.find((name) => (PREDEFINED_VARIABLES as readonly string[]).includes(name));
      if (reserved)
        throw validation(`InputPathsMap of target ${id} redefines the reserved variable ${reserved}.`);
    }
    const retry = target.RetryPolicy;
    if (retry?.MaximumRetryAttempts !== undefined) {
      const attempts = Number(retry.MaximumRetryAttempts);
      if (!Number.isInteger(attempts) || attempts < 0 || attempts > 185) {
        throw validation(`RetryPolicy.MaximumRetryAttempts of target ${id} must be between 0 and 185.`);
      }
    }
    if (retry?.MaximumEventAgeInSeconds !== undefined) {
      const age = Number(retry.MaximumEventAgeInSeconds);
      if (!Number.isInteger(age) || age < 60 || age > 86_400) {
        throw validation(
          `RetryPolicy.MaximumEventAgeInSeconds of target ${id} must be between 60 and 86400.`,
        );
      }
    }
    const parsed = parseArn(target.Arn);
    if (
      parsed?.service === 'sqs' &&
      target.Arn.endsWith('.fifo') &&
      target.SqsParameters?.MessageGroupId === undefined
    ) {
      throw validation(`Parameter(s) SqsParameters must be specified for target: ${id}.`);
    }
    return {
      ...target,
      ...(retry !== undefined
        ? {
            RetryPolicy: {
              ...(retry.MaximumRetryAttempts !== undefined
                ? { MaximumRetryAttempts: Number(retry.MaximumRetryAttempts) }
                : {}),
              ...(retry.MaximumEventAgeInSeconds !== undefined
                ? { MaximumEventAgeInSeconds: Number(retry.MaximumEventAgeInSeconds) }
                : {}),
            },
          }
        : {}),
    };
  }

  putTargets(input: Record<string, unknown>): {
    FailedEntryCount: number;
    FailedEntries: { TargetId: string; ErrorCode: string; ErrorMessage: string }[];
  } {
    const rule = this.rule(input.Rule, input.EventBusName, 'rule');
    if (rule.managedBy !== undefined)
      throw new AwsApiError('ManagedRuleException', `Rule ${rule.name} is managed by ${rule.managedBy}.`);
    const targets = input.Targets;
    if (!Array.isArray(targets) || targets.length === 0) throw validation('Parameter Targets is not valid.');
    const checked = targets.map((target, index) => this.checkTarget(target, index));
    const ids = new Set([...rule.targets.keys(), ...checked.map((target) => target.Id)]);
    if (ids.size > MAX_TARGETS_PER_RULE) {
      throw new AwsApiError(
        'LimitExceededException',
        'The requested resource exceeds the maximum number allowed.',
      );
    }
    for (const target of checked) rule.targets.set(target.Id, target);
    return { FailedEntryCount: 0, FailedEntries: [] };
  }

  removeTargets(input: Record<string, unknown>): {
    FailedEntryCount: number;
    FailedEntries: { TargetId: string; ErrorCode: string; ErrorMessage: string }[];
  } {
    const rule = this.rule(input.Rule, input.EventBusName, 'rule');
    if (rule.managedBy !== undefined && input.Force !== true) {
      throw new AwsApiError('ManagedRuleException', `Rule ${rule.name} is managed by ${rule.managedBy}.`);
    }
    const ids = input.Ids;
    if (!Array.isArray(ids) || ids.length === 0) throw validation('Parameter Ids is not valid.');
    const failed: { TargetId: string; ErrorCode: string; ErrorMessage: string }[] = [];
    for (const id of ids) {
      if (!rule.targets.delete(String(id))) {
        failed.push({
          TargetId: String(id),
          ErrorCode: 'ResourceNotFoundException',
          ErrorMessage: `Target ${String(id)} does not exist on Rule ${rule.name}.`,
        });
      }
    }
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  }

  listTargetsByRule(input: Record<string, unknown>): { Targets: TargetDefinition[]; NextToken?: string } {
    const rule = this.rule(input.Rule, input.EventBusName, 'rule');
    const { page, nextToken } = paginate([...rule.targets.values()], input.NextToken, input.Limit);
    return { Targets: page, ...(nextToken ? { NextToken: nextToken } : {}) };
  }

  createArchive(input: Record<string, unknown>): { ArchiveArn: string; State: string; CreationTime: number } {
    const name = optionalString(input.ArchiveName, 'ArchiveName');
    if (!name || name.length > 48 || !NAME_PATTERN.test(name))
      throw validation('Parameter ArchiveName is not valid.');
    if (this.archives.has(name))
      throw new AwsApiError('ResourceAlreadyExistsException', `Archive ${name} already exists.`);
    const sourceArn = optionalString(input.EventSourceArn, 'EventSourceArn');
    if (!sourceArn) throw validation('Parameter EventSourceArn is not valid.');
    const bus = this.bus(sourceArn);
    const eventPattern = patternText(input.EventPattern);
    compilePattern(eventPattern);
    const retentionDays = input.RetentionDays === undefined ? 0 : Number(input.RetentionDays);
    if (!Number.isInteger(retentionDays) || retentionDays < 0)
      throw validation('Parameter RetentionDays is not valid.');
    const archive: ArchiveRecord = {
      name,
      arn: arn('events', `archive/${name}`, this.ctx.region, this.ctx.accountId),
      busName: bus.name,
      sourceArn: bus.arn,
      description: optionalString(input.Description, 'Description'),
      eventPattern,
      retentionDays,
      creationTime: nowSeconds(),
      events: [],
      sizeBytes: 0,
    };
    this.archives.set(name, archive);
    // EventBridge feeds an archive through a managed rule on its bus, which leaves replayed events out.
    const userPattern = eventPattern !== undefined ? parseJsonPreservingNumbers(eventPattern) : {};
    const managedPattern = {
      ...(isJsonObject(userPattern) ? userPattern : {}),
      'replay-name': [{ exists: false }],
    };
    const ruleName = `${ARCHIVE_RULE_PREFIX}${name}`.slice(0, 64);
    const managedText = JSON.stringify(managedPattern);
    bus.rules.set(ruleName, {
      name: ruleName,
      arn: this.ruleArn(bus.name, ruleName),
      busName: bus.name,
      eventPattern: managedText,
      compiled: compilePattern(managedText),
      scheduleExpression: undefined,
      state: 'ENABLED',
      description: undefined,
      roleArn: undefined,
      managedBy: 'events.amazonaws.com',
      archiveName: name,
      targets: new Map(),
    });
    return { ArchiveArn: archive.arn, State: 'ENABLED', CreationTime: archive.creationTime };
  }

  private describeArchiveRecord(archive: ArchiveRecord): Record<string, unknown> {
    return {
      ArchiveName: archive.name,
      EventSourceArn: archive.sourceArn,
      State: 'ENABLED',
      RetentionDays: archive.retentionDays,
      SizeBytes: archive.sizeBytes,
      EventCount: archive.events.length,
      CreationTime: archive.creationTime,
    };
  }

  describeArchive(input: Record<string, unknown>): Record<string, unknown> {
    const name = optionalString(input.ArchiveName, 'ArchiveName') ?? '';
    const archive = this.archives.get(name);
    if (!archive) throw new AwsApiError('ResourceNotFoundException', `Archive ${name} does not exist.`);
    return {
      ArchiveArn: archive.arn,
      ...this.describeArchiveRecord(archive),
      ...(archive.eventPattern !== undefined ? { EventPattern: archive.eventPattern } : {}),
      ...(archive.description !== undefined ? { Description: archive.description } : {}),
    };
  }

  listArchives(input: Record<string, unknown>): { Archives: Record<string, unknown>[]; NextToken?: string } {
    const prefix = optionalString(input.NamePrefix, 'NamePrefix') ?? '';
    const source = optionalString(input.EventSourceArn, 'EventSourceArn');
    const state = optionalString(input.State, 'State');
    const archives = [...this.archives.values()].filter(
      (archive) =>
        archive.name.startsWith(prefix) &&
        (source === undefined || archive.sourceArn === source) &&
        (state === undefined || state === 'ENABLED'),
    );
    const { page, nextToken } = paginate(archives, input.NextToken, input.Limit);
    return {
      Archives: page.map((archive) => this.describeArchiveRecord(archive)),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }

  /** The events an archive holds, oldest first. */
  archivedEvents(archiveName: string): readonly ArchivedEvent[] {
    const archive = this.archives.get(archiveName);
    if (!archive)
      throw new AwsApiError('ResourceNotFoundException', `Archive ${archiveName} does not exist.`);
    return [...archive.events];
  }

  /**
   * Replays an archive's events whose time is in [start, end) onto its bus, each with a `replay-name`, as
   * StartReplay does (the archive's own rule leaves replayed events out). Returns how many were replayed.
   */
  replayArchive(archiveName: string, replayName: string, start: Date, end: Date): number {
    const archive = this.archives.get(archiveName);
    if (!archive)
      throw new AwsApiError('ResourceNotFoundException', `Archive ${archiveName} does not exist.`);
    const events = archive.events.filter((archived) => {
      const time = Date.parse(archived.event.time);
      return time >= start.getTime() && time < end.getTime();
    });
    for (const { event } of events) {
      this.putEventsInternal(
        [
          {
            Source: event.source,
            DetailType: event['detail-type'],
            Detail: JSON.stringify(event.detail),
            Resources: event.resources,
            Time: event.time,
            EventBusName: archive.busName,
          },
        ],
        { replayName, internal: true },
      );
    }
    return events.length;
  }

  /** TestEventPattern: validates the pattern, then the event's required envelope fields. */
  testEventPattern(input: Record<string, unknown>): { Result: boolean } {
    const pattern = optionalString(input.EventPattern, 'EventPattern');
    if (pattern === undefined) throw validation('Parameter EventPattern is not valid.');
    checkPatternLength(pattern);
    const compiled = compilePattern(pattern);
    const text = optionalString(input.Event, 'Event');
    let event: unknown;
    try {
      event = text === undefined ? undefined : parseJsonPreservingNumbers(text);
    } catch {
      event = undefined;
    }
    // The API reference lists id, account, source, time, region, resources and detail-type as mandatory;
    // AWS is observed not to insist on resources.
    const required = ['id', 'account', 'source', 'time', 'region', 'detail-type'];
    if (!isJsonObject(event) || required.some((field) => !(field in event))) {
      throw validation('Parameter Event is not valid.');
    }
    return { Result: compiled?.matches(event) ?? false };
  }

  // -------------------------------------------------------------------------------------------------------
  // Providers

  private physicalName(resource: TemplateResource, property: string, maxLength: number): string {
    const given = resource.properties[property];
    if (typeof given === 'string' && given !== '') return given;
    return physicalName(resource.stackName, resource.logicalId, { maxLength });
  }

  private async provisionBus(resource: TemplateResource): Promise<ProvisionedResource> {
    const name = this.physicalName(resource, 'Name', 256);
    const policy = resource.properties.Policy;
    this.createEventBus({
      Name: name,
      Description: resource.properties.Description,
      Policy: policy === undefined || typeof policy === 'string' ? policy : JSON.stringify(policy),
    });
    const bus = this.bus(name);
    return {
      ref: name,
      attributes: { Arn: bus.arn, Name: name, ...(bus.policy !== undefined ? { Policy: bus.policy } : {}) },
    };
  }

  private async provisionRule(resource: TemplateResource): Promise<ProvisionedResource> {
    const properties = resource.properties;
    const name = this.physicalName(resource, 'Name', 64);
    const busName = busNameOf(
      typeof properties.EventBusName === 'string' ? properties.EventBusName : undefined,
    );
    const { RuleArn } = this.putRule({
      Name: name,
      EventBusName: busName,
      EventPattern: properties.EventPattern,
      ScheduleExpression: properties.ScheduleExpression,
      State: properties.State,
      Description: properties.Description,
      RoleArn: properties.RoleArn,
    });
    const targets = properties.Targets;
    if (Array.isArray(targets) && targets.length > 0) {
      this.putTargets({ Rule: name, EventBusName: busName, Targets: targets });
    }
    // Ref of a rule: its name on the default bus, `<bus>|<rule>` on a custom bus (observed AWS behaviour).
    return { ref: busName === DEFAULT_BUS ? name : `${busName}|${name}`, attributes: { Arn: RuleArn } };
  }

  private async provisionArchive(resource: TemplateResource): Promise<ProvisionedResource> {
    const properties = resource.properties;
    const name = this.physicalName(resource, 'ArchiveName', 48);
    const { ArchiveArn } = this.createArchive({
      ArchiveName: name,
      EventSourceArn: properties.SourceArn,
      Description: properties.Description,
      EventPattern: properties.EventPattern,
      RetentionDays: properties.RetentionDays,
    });
    return { ref: name, attributes: { Arn: ArchiveArn, ArchiveName: name } };
  }
}
