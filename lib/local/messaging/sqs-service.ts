import { AwsApiError } from '#lib/local/core/aws-protocol';
import type { CloudContext, ReceivedSqsMessage, SqsApi, SqsMessageAttribute } from '#lib/local/core/types';
import {
  type FauxqsAttribute,
  type FauxqsMessage,
  type FauxqsQueue,
  type FauxqsReceived,
  isFauxqsError,
  type MountedFauxqs,
  type QueueHooks,
} from './fauxqs.ts';
import type { MessagingCounters } from './metrics.ts';
import { summarizePayload } from './payload.ts';

/** Where a dead-lettered message came from, as AWS remembers it for StartMessageMoveTask. */
export interface DeadLetterOrigin {
  readonly sourceArn: string;
  /** Epoch ms of the move: the DLQ's ApproximateAgeOfOldestMessage counts from here. */
  readonly movedAt: number;
  /** ApproximateReceiveCount when it was moved (receives in the DLQ count from here). */
  readonly receiveCountAtMove: number;
}

/** After this many receives a message is a "poison pill" and leaves ApproximateAgeOfOldestMessage (SQS guide). */
const POISON_PILL_RECEIVES = 3;

export const queueDoesNotExist = (): AwsApiError =>
  new AwsApiError('QueueDoesNotExist', 'The specified queue does not exist.');

/** Turns an error fauxqs threw into the AWS API error it stands for. */
export const asAwsError = (error: unknown): unknown =>
  isFauxqsError(error)
    ? new AwsApiError(error.code, error.message, error.statusCode, error.senderFault)
    : error;

/** The queue name in a queue URL, ARN or bare name. */
export const queueNameOf = (queue: string): string => {
  if (queue.startsWith('arn:')) return queue.slice(queue.lastIndexOf(':') + 1);
  const trimmed = queue.replace(/\/+$/, '');
  return trimmed.includes('/') ? trimmed.slice(trimmed.lastIndexOf('/') + 1) : trimmed;
};

const toFauxqsAttributes = (
  attributes: Readonly<Record<string, SqsMessageAttribute>> | undefined,
): Record<string, FauxqsAttribute> => {
  const result: Record<string, FauxqsAttribute> = {};
  for (const [name, attribute] of Object.entries(attributes ?? {})) {
    result[name] = {
      DataType: attribute.DataType,
      ...(attribute.StringValue !== undefined ? { StringValue: attribute.StringValue } : {}),
      ...(attribute.BinaryValue !== undefined
        ? { BinaryValue: Buffer.from(attribute.BinaryValue).toString('base64') }
        : {}),
    };
  }
  return result;
};

const fromFauxqsAttributes = (
  attributes: Readonly<Record<string, FauxqsAttribute>> | undefined,
): Record<string, SqsMessageAttribute> => {
  const result: Record<string, SqsMessageAttribute> = {};
  for (const [name, attribute] of Object.entries(attributes ?? {})) {
    result[name] = {
      DataType: attribute.DataType,
      ...(attribute.StringValue !== undefined ? { StringValue: attribute.StringValue } : {}),
      ...(attribute.BinaryValue !== undefined
        ? { BinaryValue: new Uint8Array(Buffer.from(attribute.BinaryValue, 'base64')) }
        : {}),
    };
  }
  return result;
};

/**
 * SQS for the other engines (event source mappings, EventBridge targets, Step Functions tasks) and the parts of
 * SQS the engine adds around fauxqs: dead-letter bookkeeping, retention, metrics.
 */
export class SqsService implements SqsApi, QueueHooks {
  /** Per dead-lettered message (the object fauxqs keeps in the DLQ): its origin. */
  private readonly deadLetters = new WeakMap<FauxqsMessage, DeadLetterOrigin>();
  private closed = false;

  constructor(
    private readonly ctx: CloudContext,
    private readonly fauxqs: () => MountedFauxqs,
    private readonly counters: MessagingCounters,
  ) {}

  close(): void {
    this.closed = true;
  }

  // ---- QueueHooks (called by the wrapped fauxqs queues) ----

  scaleSeconds(seconds: number): number {
    return this.ctx.time.ms(seconds) / 1000;
  }

  sent(queue: FauxqsQueue): void {
    this.counters.sqs(queue.name, 'NumberOfMessagesSent');
  }

  deadLettered(source: FauxqsQueue, deadLetterQueue: FauxqsQueue, message: FauxqsMessage): void {
    this.deadLetters.set(message, {
      sourceArn: source.arn,
      movedAt: Date.now(),
      receiveCountAtMove: message.approximateReceiveCount,
    });
    // AWS: a message moved to a FIFO DLQ gets its message id as de-duplication id.
    if (deadLetterQueue.isFifo()) message.messageDeduplicationId = message.messageId;
    const summary = summarizePayload(message.body, message.messageAttributes);
    // fauxqs counts the receive that found the message over maxReceiveCount; it was delivered one time fewer.
    const receives = Math.max(0, message.approximateReceiveCount - 1);
    this.ctx.trace.emit({
      orderId: summary.orderId,
      event: summary.eventType ?? 'message',
      service: `sqs:${source.name}`,
      outcome: `dead-lettered after ${receives} receive${receives === 1 ? '' : 's'}`,
    });
  }

  deleted(queue: FauxqsQueue): void {
    this.counters.sqs(queue.name, 'NumberOfMessagesDeleted');
  }

  /** Where a message in a DLQ came from, if it was dead-lettered (not sent there directly). */
  deadLetterOrigin(message: FauxqsMessage): DeadLetterOrigin | undefined {
    return this.deadLetters.get(message);
  }

  /** A ReceiveMessage call returned `count` messages. */
  countReceive(queueName: string, count: number): void {
    if (count > 0) this.counters.sqs(queueName, 'NumberOfMessagesReceived', count);
    else this.counters.sqs(queueName, 'NumberOfEmptyReceives');
  }

  // ---- SqsApi ----

  resolve(queue: string): FauxqsQueue {
    const found = this.fauxqs().sqs.getQueueByName(queueNameOf(queue));
    if (!found) throw queueDoesNotExist();
    return found;
  }

  queueUrl(queue: string): string {
    return this.resolve(queue).url;
  }

  queueArn(queue: string): string {
    return this.resolve(queue).arn;
  }

  async sendMessage(
    queue: string,
    body: string,
    options: {
      readonly messageAttributes?: Readonly<Record<string, SqsMessageAttribute>>;
      readonly messageGroupId?: string;
      readonly messageDeduplicationId?: string;
      readonly delaySeconds?: number;
    } = {},
  ): Promise<{ messageId: string }> {
    const target = this.resolve(queue);
    try {
      const result = this.fauxqs().sendMessage(target, {
        MessageBody: body,
        MessageAttributes: toFauxqsAttributes(options.messageAttributes),
        ...(options.messageGroupId !== undefined ? { MessageGroupId: options.messageGroupId } : {}),
        ...(options.messageDeduplicationId !== undefined
          ? { MessageDeduplicationId: options.messageDeduplicationId }
          : {}),
        ...(options.delaySeconds !== undefined ? { DelaySeconds: options.delaySeconds } : {}),
      });
      return { messageId: result.MessageId };
    } catch (error) {
      throw asAwsError(error);
    }
  }

  async receiveMessages(
    queue: string,
    options: {
      readonly maxMessages: number;
      readonly visibilityTimeoutMs: number;
      readonly waitTimeMs: number;
    },
  ): Promise<ReceivedSqsMessage[]> {
    const source = this.resolve(queue);
    const deadline = Date.now() + Math.max(0, options.waitTimeMs);
    let received = this.collect(source, options.maxMessages, options.visibilityTimeoutMs);
    while (received.length === 0 && !this.closed) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      await this.fauxqs().waitForMessages(source, remaining);
      if (this.closed) break;
      received = this.collect(source, options.maxMessages, options.visibilityTimeoutMs);
    }
    this.countReceive(source.name, received.length);
    return received.map((message) => this.toReceived(source, message));
  }

  async deleteMessage(queue: string, receiptHandle: string): Promise<void> {
    // As on AWS, deleting with a handle that is no longer current is not an error.
    this.resolve(queue).deleteMessage(receiptHandle);
  }

  async changeMessageVisibility(
    queue: string,
    receiptHandle: string,
    visibilityTimeoutMs: number,
  ): Promise<void> {
    const target = this.resolve(queue);
    if (!target.inflightMessages.has(receiptHandle)) {
      throw new AwsApiError(
        'MessageNotInflight',
        'Message does not exist or is not available for visibility timeout change.',
      );
    }
    this.fauxqs().changeVisibilityMs(target, receiptHandle, Math.max(0, visibilityTimeoutMs));
  }

  // ---- retention and gauges ----

  /** Deletes the messages older than the queue's (scaled) MessageRetentionPeriod, which fauxqs does not. */
  expire(queue: FauxqsQueue, now: number): void {
    const retention = Number(queue.attributes.MessageRetentionPeriod ?? 345_600);
    const cutoff = now - this.ctx.time.ms(retention);
    const keep = (message: FauxqsMessage): boolean => message.sentTimestamp > cutoff;
    if (queue.isFifo()) {
      for (const groups of [queue.fifoMessages, queue.fifoDelayed]) {
        for (const [group, messages] of groups) {
          const kept = messages.filter(keep);
          if (kept.length === 0) groups.delete(group);
          else if (kept.length !== messages.length) groups.set(group, kept);
        }
      }
      return;
    }
    if (queue.messages.some((message) => !keep(message))) queue.messages = queue.messages.filter(keep);
    if (queue.delayedMessages.some((message) => !keep(message))) {
      queue.delayedMessages = queue.delayedMessages.filter(keep);
    }
  }

  /**
   * ApproximateAgeOfOldestMessage in AWS seconds: the real age divided by the time scale, so alarms compare it
   * with the thresholds the template gives (300 s of AWS time is 3 s of real time at a scale of 0.01). As SQS
   * documents, messages received three times or more are left out, and a dead-lettered message counts from its
   * move to the DLQ.
   */
  oldestMessageAgeSeconds(queue: FauxqsQueue, now: number): number {
    const { ready, inflight } = this.contents(queue);
    let oldest: number | undefined;
    for (const message of [...ready, ...inflight]) {
      const origin = this.deadLetters.get(message);
      const receivesHere = message.approximateReceiveCount - (origin?.receiveCountAtMove ?? 0);
      if (!queue.isFifo() && receivesHere >= POISON_PILL_RECEIVES) continue;
      const since = origin?.movedAt ?? message.sentTimestamp;
      if (oldest === undefined || since < oldest) oldest = since;
    }
    if (oldest === undefined) return 0;
    return Math.max(0, (now - oldest) / 1000 / this.ctx.time.factor);
  }

  /** The queue's messages by state (ready = visible). */
  contents(queue: FauxqsQueue): {
    ready: FauxqsMessage[];
    delayed: FauxqsMessage[];
    inflight: FauxqsMessage[];
  } {
    const inflight = [...queue.inflightMessages.values()].map((entry) => entry.message);
    if (queue.isFifo()) {
      return {
        ready: [...queue.fifoMessages.values()].flat(),
        delayed: [...queue.fifoDelayed.values()].flat(),
        inflight,
      };
    }
    return { ready: [...queue.messages], delayed: [...queue.delayedMessages], inflight };
  }

  private collect(queue: FauxqsQueue, maxMessages: number, visibilityTimeoutMs: number): FauxqsReceived[] {
    const wanted = Math.max(1, Math.floor(maxMessages));
    const received: FauxqsReceived[] = [];
    // fauxqs returns at most 10 per call; keep going while calls come back full. (With a zero visibility
    // timeout a second call could return the same messages again, so one call it is.)
    while (received.length < wanted) {
      const size = Math.min(10, wanted - received.length);
      const batch = this.fauxqs().receive(queue, size, visibilityTimeoutMs);
      received.push(...batch);
      if (batch.length < size || visibilityTimeoutMs <= 0) break;
    }
    return received;
  }

  private toReceived(queue: FauxqsQueue, received: FauxqsReceived): ReceivedSqsMessage {
    const message = queue.inflightMessages.get(received.ReceiptHandle)?.message;
    const attributes: Record<string, string> = {
      ApproximateReceiveCount: String(message?.approximateReceiveCount ?? 1),
      SentTimestamp: String(message?.sentTimestamp ?? Date.now()),
      SenderId: this.ctx.accountId,
      ApproximateFirstReceiveTimestamp: String(message?.approximateFirstReceiveTimestamp ?? Date.now()),
    };
    if (message?.sequenceNumber) attributes.SequenceNumber = message.sequenceNumber;
    if (message?.messageGroupId) attributes.MessageGroupId = message.messageGroupId;
    if (message?.messageDeduplicationId) attributes.MessageDeduplicationId = message.messageDeduplicationId;
    return {
      messageId: received.MessageId,
      receiptHandle: received.ReceiptHandle,
      body: received.Body,
      md5OfBody: received.MD5OfBody,
      attributes,
      messageAttributes: fromFauxqsAttributes(received.MessageAttributes),
    };
  }
}
