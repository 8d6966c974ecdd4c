/**
 * The one module that knows fauxqs's internals (pinned to fauxqs 2.4.1: a fauxqs upgrade touches this file only).
 *
 * fauxqs is mounted in process with `buildApp` and stores we construct ourselves, so that
 * - queue URLs are `http://127.0.0.1:<edge>/000000000000/<name>` (`sqsStore.host = ''` makes fauxqs build them from
 *   the Host header, which we always set to the edge's),
 * - we reach the queues directly (in-process receive, metrics, DLQ redrive) without HTTP,
 * - and ORDERFLOW_TIME_SCALE applies: fauxqs works in real seconds (`seconds * 1000` in the queue's methods). Each
 *   queue's methods are wrapped when the queue is created, so every AWS duration it is given (visibility timeout,
 *   long-poll wait, delay) elapses as `scaleSeconds(seconds)`. The attributes keep their AWS values, so
 *   GetQueueAttributes reports what the template says. Fractional seconds are fine: fauxqs only multiplies them by
 *   1000 and compares deadlines with `Date.now()`.
 *
 * Internals used (by file path inside the package, since its `exports` only has `.`): `sqs/sqsStore.js`
 * (SqsStore, SqsQueue: fields `messages`, `delayedMessages`, `inflightMessages`, `fifoMessages`, `fifoDelayed`,
 * `attributes`; methods `enqueue`, `dequeue`, `deleteMessage`, `changeVisibility`, `waitForMessages`,
 * `processTimers`), `sns/snsStore.js` (SnsStore: `topics`, `subscriptions`, `createTopic`, `subscribe`),
 * `s3/s3Store.js` (S3Store, required by buildApp), the action functions `sqs/actions/createQueue.js` and
 * `sqs/actions/sendMessage.js` (validation, FIFO de-duplication and queue delay, shared with the wire API), and
 * `sqs/sqsTypes.js` (INVALID_MESSAGE_BODY_CHAR, corrected below).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildApp } from 'fauxqs';

/** A message attribute as fauxqs stores it (BinaryValue base64-encoded). */
export interface FauxqsAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export interface FauxqsMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, FauxqsAttribute>;
  md5OfMessageAttributes: string;
  /** Epoch ms of the enqueue. */
  sentTimestamp: number;
  approximateReceiveCount: number;
  approximateFirstReceiveTimestamp?: number;
  /** Epoch ms until which the message is delayed. */
  delayUntil?: number;
  messageGroupId?: string;
  messageDeduplicationId?: string;
  sequenceNumber?: string;
}

export interface FauxqsInflight {
  message: FauxqsMessage;
  receiptHandle: string;
  /** Epoch ms. */
  visibilityDeadline: number;
}

/** A message as ReceiveMessage returns it. */
export interface FauxqsReceived {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes?: Record<string, string>;
  MD5OfMessageAttributes?: string;
  MessageAttributes?: Record<string, FauxqsAttribute>;
}

type DlqResolver = (arn: string) => { enqueue(message: FauxqsMessage): void } | undefined;

export interface FauxqsQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  /** The AWS (unscaled) attribute values, as strings. */
  attributes: Record<string, string>;
  messages: FauxqsMessage[];
  delayedMessages: FauxqsMessage[];
  inflightMessages: Map<string, FauxqsInflight>;
  fifoMessages: Map<string, FauxqsMessage[]>;
  fifoDelayed: Map<string, FauxqsMessage[]>;
  isFifo(): boolean;
  getAttribute(name: string): string | undefined;
  processTimers(): void;
  enqueue(message: FauxqsMessage): void;
  dequeue(maxCount: number, visibilityTimeoutSeconds?: number, dlqResolver?: DlqResolver): FauxqsReceived[];
  deleteMessage(receiptHandle: string): boolean;
  changeVisibility(receiptHandle: string, timeoutSeconds: number): void;
  waitForMessages(waitTimeSeconds: number): Promise<void>;
  nextSequenceNumber(): string;
  purge(): void;
}

interface FauxqsSqsStoreInternal {
  host: string;
  region?: string;
  createQueue(
    name: string,
    url: string,
    arn: string,
    attributes?: Record<string, string>,
    tags?: Record<string, string>,
  ): FauxqsQueue;
  getQueueByName(name: string): FauxqsQueue | undefined;
  getQueueByArn(arn: string): FauxqsQueue | undefined;
  allQueues(): IterableIterator<FauxqsQueue>;
  processAllTimers(): void;
  shutdown(): void;
}

export type FauxqsSqsStore = Omit<FauxqsSqsStoreInternal, 'createQueue' | 'host'>;

export interface FauxqsTopic {
  readonly arn: string;
  readonly name: string;
  attributes: Record<string, string>;
  subscriptionArns: string[];
}

export interface FauxqsSubscription {
  readonly arn: string;
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  confirmed: boolean;
  attributes: Record<string, string>;
}

export interface FauxqsSnsStore {
  region?: string;
  topics: Map<string, FauxqsTopic>;
  subscriptions: Map<string, FauxqsSubscription>;
  createTopic(
    name: string,
    attributes: Record<string, string> | undefined,
    tags: Record<string, string> | undefined,
    region: string,
  ): FauxqsTopic;
  getTopic(arn: string): FauxqsTopic | undefined;
  subscribe(
    topicArn: string,
    protocol: string,
    endpoint: string,
    attributes?: Record<string, string>,
  ): FauxqsSubscription | undefined;
  getSubscription(arn: string): FauxqsSubscription | undefined;
}

/** What fauxqs's `app.inject` answers. */
export interface InjectedResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly rawPayload: Buffer;
}

/** An error fauxqs threw (SqsError / SnsError): its AWS code and HTTP status. */
export interface FauxqsError {
  readonly code: string;
  readonly message: string;
  readonly statusCode: number;
  readonly senderFault: boolean;
}

export const isFauxqsError = (error: unknown): error is FauxqsError =>
  error instanceof Error &&
  (error.name === 'SqsError' || error.name === 'SnsError') &&
  typeof (error as Partial<FauxqsError>).code === 'string';

/** Called by the wrapped queues, so the engine can count, trace and remember where dead letters came from. */
export interface QueueHooks {
  /** An AWS duration in seconds, scaled, in (possibly fractional) seconds. */
  scaleSeconds(seconds: number): number;
  /** A message was added to `queue` (SendMessage, SNS, EventBridge, redrive), not by dead-lettering. */
  sent(queue: FauxqsQueue, message: FauxqsMessage): void;
  /** `message` moved from `source` to its dead-letter queue `deadLetterQueue` on a receive. */
  deadLettered(source: FauxqsQueue, deadLetterQueue: FauxqsQueue, message: FauxqsMessage): void;
  /** A received message was deleted. */
  deleted(queue: FauxqsQueue, message: FauxqsMessage): void;
}

type SendMessageAction = (body: Record<string, unknown>, store: FauxqsSqsStore) => Record<string, unknown>;
type CreateQueueAction = (
  body: Record<string, unknown>,
  store: FauxqsSqsStore,
  request: { headers: Record<string, string | undefined> },
) => { QueueUrl: string };

interface RawQueueOps {
  enqueue(message: FauxqsMessage): void;
  dequeue(maxCount: number, visibilityTimeoutSeconds: number, dlqResolver?: DlqResolver): FauxqsReceived[];
  changeVisibility(receiptHandle: string, timeoutSeconds: number): void;
  waitForMessages(waitTimeSeconds: number): Promise<void>;
}

/** fauxqs mounted in process: the Fastify app (never listening) and its stores, with time scaling applied. */
export class MountedFauxqs {
  private readonly raw = new WeakMap<FauxqsQueue, RawQueueOps>();
  /** Messages whose delay has already been scaled (a dead-lettered message is enqueued a second time). */
  private readonly delayScaled = new WeakSet<FauxqsMessage>();

  private constructor(
    private readonly app: Awaited<ReturnType<typeof loadApp>>['app'],
    readonly sqs: FauxqsSqsStore,
    readonly sns: FauxqsSnsStore,
    private readonly actions: { createQueue: CreateQueueAction; sendMessage: SendMessageAction },
    private readonly createMessageInternal: (
      body: string,
      attributes?: Record<string, FauxqsAttribute>,
      delaySeconds?: number,
      groupId?: string,
      deduplicationId?: string,
    ) => FauxqsMessage,
    private readonly hooks: QueueHooks,
  ) {}

  static async start(options: { region: string; hooks: QueueHooks }): Promise<MountedFauxqs> {
    const loaded = await loadApp(options.region);
    const mounted = new MountedFauxqs(
      loaded.app,
      loaded.sqsStore,
      loaded.snsStore,
      loaded.actions,
      loaded.createMessage,
      options.hooks,
    );
    const createQueue = loaded.sqsStore.createQueue.bind(loaded.sqsStore);
    loaded.sqsStore.createQueue = (name, url, arn, attributes, tags) => {
      const queue = createQueue(name, url, arn, attributes, tags);
      mounted.wrapQueue(queue);
      return queue;
    };
    await loaded.app.ready();
    return mounted;
  }

  async close(): Promise<void> {
    this.sqs.shutdown();
    await this.app.close();
  }

  /** Forwards a request the edge already read to fauxqs. */
  inject(request: {
    method: string;
    url: string;
    headers: Record<string, string>;
    payload: Buffer;
  }): Promise<InjectedResponse> {
    return this.app.inject(request) as Promise<InjectedResponse>;
  }

  /** CreateQueue as the API does it (validation, FIFO defaults, idempotency), with URLs on `host`. */
  createQueue(
    host: string,
    name: string,
    attributes: Record<string, string>,
    tags: Record<string, string>,
  ): FauxqsQueue {
    const { QueueUrl } = this.actions.createQueue(
      { QueueName: name, Attributes: attributes, tags },
      this.sqs,
      { headers: { host } },
    );
    const queue = this.sqs.getQueueByName(name);
    if (!queue || queue.url !== QueueUrl) throw new Error(`fauxqs did not create queue ${name}`);
    return queue;
  }

  /** SendMessage as the API does it (validation, queue delay, FIFO de-duplication and sequence numbers). */
  sendMessage(
    queue: FauxqsQueue,
    request: Record<string, unknown>,
  ): { MessageId: string; SequenceNumber?: string } {
    return this.actions.sendMessage({ ...request, QueueUrl: queue.url }, this.sqs) as {
      MessageId: string;
      SequenceNumber?: string;
    };
  }

  /** A new message object (not enqueued): for redriven messages, which AWS treats as new ones. */
  createMessage(
    body: string,
    attributes: Record<string, FauxqsAttribute>,
    groupId?: string,
    deduplicationId?: string,
  ): FauxqsMessage {
    return this.createMessageInternal(body, attributes, undefined, groupId, deduplicationId);
  }

  /** Receives with a real visibility timeout in milliseconds (the in-process API for event source mappings). */
  receive(queue: FauxqsQueue, maxCount: number, visibilityTimeoutMs: number): FauxqsReceived[] {
    return this.rawOps(queue).dequeue(maxCount, visibilityTimeoutMs / 1000, this.dlqResolver(queue));
  }

  /** Resolves when a message may be available, or after `ms` real milliseconds. */
  waitForMessages(queue: FauxqsQueue, ms: number): Promise<void> {
    return this.rawOps(queue).waitForMessages(ms / 1000);
  }

  /** ChangeMessageVisibility with a real timeout in milliseconds. */
  changeVisibilityMs(queue: FauxqsQueue, receiptHandle: string, ms: number): void {
    this.rawOps(queue).changeVisibility(receiptHandle, ms / 1000);
  }

  private rawOps(queue: FauxqsQueue): RawQueueOps {
    const ops = this.raw.get(queue);
    if (!ops) throw new Error(`queue ${queue.name} was not created through the messaging engine`);
    return ops;
  }

  /** What `dequeue` calls to move a message to the DLQ: it only calls `enqueue` on the result. */
  private dlqResolver(source: FauxqsQueue): DlqResolver {
    return (arn) => {
      const deadLetterQueue = this.sqs.getQueueByArn(arn);
      if (!deadLetterQueue) return undefined;
      const enqueue = this.rawOps(deadLetterQueue).enqueue;
      return {
        enqueue: (message) => {
          this.hooks.deadLettered(source, deadLetterQueue, message);
          enqueue(message);
        },
      };
    };
  }

  private wrapQueue(queue: FauxqsQueue): void {
    const raw: RawQueueOps = {
      enqueue: queue.enqueue.bind(queue),
      dequeue: queue.dequeue.bind(queue),
      changeVisibility: queue.changeVisibility.bind(queue),
      waitForMessages: queue.waitForMessages.bind(queue),
    };
    const deleteMessage = queue.deleteMessage.bind(queue);
    this.raw.set(queue, raw);
    const { hooks } = this;
    Object.assign(queue, {
      enqueue: (message: FauxqsMessage) => {
        if (message.delayUntil !== undefined && !this.delayScaled.has(message)) {
          const delayMs = message.delayUntil - message.sentTimestamp;
          message.delayUntil = message.sentTimestamp + hooks.scaleSeconds(delayMs / 1000) * 1000;
        }
        this.delayScaled.add(message);
        raw.enqueue(message);
        hooks.sent(queue, message);
      },
      dequeue: (maxCount: number, visibilityTimeoutSeconds?: number) =>
        raw.dequeue(
          maxCount,
          hooks.scaleSeconds(visibilityTimeoutSeconds ?? Number(queue.attributes.VisibilityTimeout)),
          this.dlqResolver(queue),
        ),
      changeVisibility: (receiptHandle: string, timeoutSeconds: number) =>
        raw.changeVisibility(receiptHandle, hooks.scaleSeconds(timeoutSeconds)),
      waitForMessages: (waitTimeSeconds: number) => raw.waitForMessages(hooks.scaleSeconds(waitTimeSeconds)),
      deleteMessage: (receiptHandle: string) => {
        const entry = queue.inflightMessages.get(receiptHandle);
        const deleted = deleteMessage(receiptHandle);
        if (deleted && entry) hooks.deleted(queue, entry.message);
        return deleted;
      },
    });
  }
}

/**
 * The URL of fauxqs's entry module. `import.meta.resolve` is the direct way, but Vite's module runner (vitest's
 * global setup) lacks it, so fall back to finding node_modules/fauxqs from this file upwards.
 */
const fauxqsEntry = (): string => {
  if (typeof import.meta.resolve === 'function') {
    try {
      return import.meta.resolve('fauxqs');
    } catch {
      // Fall through to the search below.
    }
  }
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const entry = join(dir, 'node_modules', 'fauxqs', 'dist', 'app.js');
    if (existsSync(entry)) return pathToFileURL(entry).href;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the fauxqs package (npm ci installs it)');
    dir = parent;
  }
};

/**
 * SQS accepts #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF in a message body. fauxqs's
 * check (one RegExp shared by SendMessage, SendMessageBatch and its in-process send) has no `u` flag, so it sees
 * an emoji as two lone surrogates and refuses it: an order with an emoji in its address would be dropped on its
 * way to a queue. The shared RegExp's `test` is replaced with the check SQS makes, for every caller at once.
 */
const VALID_SQS_BODY = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const allowSupplementaryCharacters = (fauxqsCheck: RegExp): void => {
  Object.defineProperty(fauxqsCheck, 'test', {
    value: (body: string) => !VALID_SQS_BODY.test(body),
    configurable: true,
    writable: true,
  });
};

const loadApp = async (region: string) => {
  const base = fauxqsEntry();
  const load = async <T>(path: string): Promise<T> => (await import(new URL(path, base).href)) as T;
  const [{ SqsStore }, { SnsStore }, { S3Store }, { createQueue }, { sendMessage }, sqsTypes] =
    await Promise.all([
      load<{
        SqsStore: (new () => FauxqsSqsStoreInternal) & {
          createMessage: (
            body: string,
            attributes?: Record<string, FauxqsAttribute>,
            delaySeconds?: number,
            groupId?: string,
            deduplicationId?: string,
          ) => FauxqsMessage;
        };
      }>('./sqs/sqsStore.js'),
      load<{ SnsStore: new () => FauxqsSnsStore }>('./sns/snsStore.js'),
      load<{ S3Store: new () => unknown }>('./s3/s3Store.js'),
      load<{ createQueue: CreateQueueAction }>('./sqs/actions/createQueue.js'),
      load<{ sendMessage: SendMessageAction }>('./sqs/actions/sendMessage.js'),
      load<{ INVALID_MESSAGE_BODY_CHAR: RegExp }>('./sqs/sqsTypes.js'),
    ]);
  allowSupplementaryCharacters(sqsTypes.INVALID_MESSAGE_BODY_CHAR);
  const sqsStore = new SqsStore();
  sqsStore.host = '';
  sqsStore.region = region;
  const snsStore = new SnsStore();
  snsStore.region = region;
  const app = buildApp({
    logger: false,
    defaultRegion: region,
    stores: { sqsStore, snsStore, s3Store: new S3Store() } as unknown as NonNullable<
      Parameters<typeof buildApp>[0]
    >['stores'],
  });
  return {
    app,
    sqsStore,
    snsStore,
    actions: { createQueue, sendMessage },
    createMessage: SqsStore.createMessage.bind(SqsStore),
  };
};
