import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { AwsApiError } from '#lib/local/core/aws-protocol';
import type { CloudContext, SnsApi } from '#lib/local/core/types';
import type { FauxqsAttribute, FauxqsSubscription, FauxqsTopic, MountedFauxqs } from './fauxqs.ts';
import {
  type CompiledFilterPolicy,
  compileFilterPolicy,
  type FilterPolicyScope,
  matchesFilterPolicy,
} from './filter-policy.ts';
import type { MessagingCounters } from './metrics.ts';
import { summarizePayload } from './payload.ts';
import { asAwsError } from './sqs-service.ts';

/** What Publish takes, from the wire or in process. */
export interface PublishInput {
  readonly topicArn: string;
  readonly message: string;
  readonly subject?: string | undefined;
  readonly messageStructure?: string | undefined;
  readonly messageAttributes: Readonly<Record<string, FauxqsAttribute>>;
  readonly messageGroupId?: string | undefined;
  readonly messageDeduplicationId?: string | undefined;
}

const MAX_MESSAGE_BYTES = 262_144;
/** SNS FIFO topics de-duplicate within five minutes. */
const DEDUPLICATION_WINDOW_MS = 5 * 60 * 1000;
/**
 * SNS retries server-side delivery errors to AWS-managed endpoints (SQS, Lambda): 3 immediate retries, then
 * 2 retries 1 s apart, then a long backoff phase (up to 23 days). Locally we stop after the first two phases.
 */
const IMMEDIATE_RETRIES = 3;
const PRE_BACKOFF_RETRIES = 2;
/** An asynchronous Lambda invocation whose handler fails is retried twice, after 1 and 2 minutes. */
const LAMBDA_ASYNC_RETRY_DELAYS_S = [60, 120];

const SIGNING_CERT_URL =
  'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem';

const invalidParameter = (message: string): AwsApiError => new AwsApiError('InvalidParameter', message);
/**
 * 1-100 characters, none of them a control character or a line break. The docs say "less than 100", but
 * CloudWatch's own alarm notifications carry subjects of exactly 100 characters, which SNS delivers.
 */
const VALID_SUBJECT = /^[^\p{Cc}\u2028\u2029]{1,100}$/u;

/** A delivery that did not reach its endpoint: a client error (the endpoint is gone) is not retried. */
class DeliveryFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

interface Notification {
  readonly topic: FauxqsTopic;
  readonly messageId: string;
  readonly sequenceNumber?: string | undefined;
  readonly timestamp: string;
  readonly input: PublishInput;
  /** For MessageStructure json: the message per protocol. */
  readonly structured?: Readonly<Record<string, string>> | undefined;
}

/**
 * SNS publishing and fan-out. fauxqs keeps topics and subscriptions (and serves their APIs); delivery is ours,
 * so that one filter-policy implementation applies everywhere, Lambda subscriptions are delivered, and a failed
 * delivery goes to the subscription's dead-letter queue.
 */
export class SnsService implements SnsApi {
  private readonly policies = new Map<string, CompiledFilterPolicy | Error>();
  private readonly deduplication = new Map<
    string,
    { messageId: string; sequenceNumber: string; at: number }
  >();
  private readonly sequences = new Map<string, bigint>();
  private readonly warned = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly ctx: CloudContext,
    private readonly fauxqs: () => MountedFauxqs,
    private readonly counters: MessagingCounters,
  ) {}

  private get closed(): boolean {
    return this.stopping.signal.aborted;
  }

  /** Stops retries and waits for the Lambda deliveries under way. */
  async close(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Waits `ms` unless the engine stops. */
  private async pause(ms: number): Promise<void> {
    try {
      await delay(ms, undefined, { signal: this.stopping.signal });
    } catch {
      // stopped
    }
  }

  async publish(
    topicArn: string,
    message: string,
    options: {
      readonly subject?: string;
      readonly messageAttributes?: Readonly<Record<string, { DataType: string; StringValue?: string }>>;
      readonly messageGroupId?: string;
      readonly messageDeduplicationId?: string;
    } = {},
  ): Promise<{ messageId: string }> {
    const { messageId } = this.publishInput({
      topicArn,
      message,
      subject: options.subject,
      messageAttributes: options.messageAttributes ?? {},
      messageGroupId: options.messageGroupId,
      messageDeduplicationId: options.messageDeduplicationId,
    });
    return { messageId };
  }

  /** Publish: validates, de-duplicates (FIFO), fans out to the subscriptions. */
  publishInput(input: PublishInput): { messageId: string; sequenceNumber?: string } {
    const topic = this.fauxqs().sns.getTopic(input.topicArn);
    if (!topic) throw new AwsApiError('NotFound', 'Topic does not exist', 404);
    if (input.message === '') throw invalidParameter('Invalid parameter: Empty message');
    // Publish: "Subjects must be UTF-8 text with no line breaks or control characters, and less than 100
    // characters long" (see VALID_SUBJECT for the length).
    if (input.subject !== undefined && !VALID_SUBJECT.test(input.subject)) {
      throw invalidParameter('Invalid parameter: Subject');
    }
    let size = Buffer.byteLength(input.message);
    for (const [name, attribute] of Object.entries(input.messageAttributes)) {
      this.validateAttribute(name, attribute);
      size += Buffer.byteLength(name) + Buffer.byteLength(attribute.DataType);
      size += Buffer.byteLength(attribute.StringValue ?? attribute.BinaryValue ?? '');
    }
    if (size > MAX_MESSAGE_BYTES) {
      throw invalidParameter(
        `Invalid parameter: Message too long. Message must be shorter than ${MAX_MESSAGE_BYTES} bytes.`,
      );
    }
    const structured = input.messageStructure === 'json' ? this.structuredMessage(input.message) : undefined;

    let sequenceNumber: string | undefined;
    let deduplicationId = input.messageDeduplicationId;
    if (topic.attributes.FifoTopic === 'true') {
      if (!input.messageGroupId) {
        throw invalidParameter('Invalid parameter: The MessageGroupId parameter is required for FIFO topics');
      }
      if (!deduplicationId) {
        if (topic.attributes.ContentBasedDeduplication !== 'true') {
          throw invalidParameter(
            'Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
          );
        }
        deduplicationId = createHash('sha256').update(input.message).digest('hex');
      }
      const key = `${topic.arn}\u0000${deduplicationId}`;
      const now = Date.now();
      const previous = this.deduplication.get(key);
      if (previous && now - previous.at < DEDUPLICATION_WINDOW_MS) {
        return { messageId: previous.messageId, sequenceNumber: previous.sequenceNumber };
      }
      sequenceNumber = this.nextSequenceNumber(topic.arn);
      const messageId = randomUUID();
      this.deduplication.set(key, { messageId, sequenceNumber, at: now });
      this.pruneDeduplication(now);
      this.fanOut({
        topic,
        messageId,
        sequenceNumber,
        timestamp: new Date(now).toISOString(),
        input: { ...input, messageDeduplicationId: deduplicationId },
        structured,
      });
      return { messageId, sequenceNumber };
    }
    const messageId = randomUUID();
    this.fanOut({ topic, messageId, timestamp: new Date().toISOString(), input, structured });
    return { messageId };
  }

  private fanOut(notification: Notification): void {
    const { topic, input } = notification;
    const sns = this.fauxqs().sns;
    this.counters.sns(topic.name, 'NumberOfMessagesPublished');
    let matched = 0;
    for (const subscriptionArn of topic.subscriptionArns) {
      const subscription = sns.getSubscription(subscriptionArn);
      if (!subscription) continue;
      if (subscription.protocol !== 'sqs' && subscription.protocol !== 'lambda') {
        this.warnOnce(
          `protocol:${subscription.arn}`,
          `messaging: subscription ${subscription.arn} uses protocol ${subscription.protocol}, which the local cloud does not deliver`,
        );
        continue;
      }
      const message = this.messageFor(notification, subscription.protocol);
      if (!this.passesFilter(subscription, message, input.messageAttributes)) {
        this.counters.sns(topic.name, 'NumberOfNotificationsFilteredOut');
        continue;
      }
      matched += 1;
      if (subscription.protocol === 'sqs') this.deliverToQueue(notification, subscription, message);
      else this.track(this.deliverToLambda(notification, subscription, message));
    }
    const summary = summarizePayload(input.message, input.messageAttributes);
    this.ctx.trace.emit({
      orderId: summary.orderId,
      event: input.messageAttributes.eventType?.StringValue ?? 'publish',
      service: `sns:${topic.name}`,
      outcome: `→ ${matched} subscription${matched === 1 ? '' : 's'}`,
    });
  }

  private passesFilter(
    subscription: FauxqsSubscription,
    body: string,
    attributes: Readonly<Record<string, FauxqsAttribute>>,
  ): boolean {
    const source = subscription.attributes.FilterPolicy;
    if (!source) return true;
    let policy = this.policies.get(source);
    if (!policy) {
      try {
        policy = compileFilterPolicy(source);
      } catch (error) {
        policy = error instanceof Error ? error : new Error(String(error));
      }
      if (this.policies.size > 1000) this.policies.clear();
      this.policies.set(source, policy);
    }
    if (policy instanceof Error) {
      this.warnOnce(
        `policy:${subscription.arn}`,
        `messaging: ${subscription.arn} has an invalid FilterPolicy (${policy.message}); nothing matches it`,
      );
      return false;
    }
    const scope: FilterPolicyScope =
      subscription.attributes.FilterPolicyScope === 'MessageBody' ? 'MessageBody' : 'MessageAttributes';
    return matchesFilterPolicy(policy, scope, { body, messageAttributes: attributes });
  }

  private deliverToQueue(
    notification: Notification,
    subscription: FauxqsSubscription,
    message: string,
  ): void {
    const { topic } = notification;
    try {
      this.sendToQueue(subscription.endpoint, notification, subscription, message);
      this.counters.sns(topic.name, 'NumberOfNotificationsDelivered');
    } catch (error) {
      // A missing queue is a client error (SNS does not retry those); an invalid message would fail every retry.
      this.deadLetter(
        notification,
        subscription,
        message,
        error instanceof Error ? error.message : String(error),
      );
    }
  }

  private sendToQueue(
    queueArn: string,
    notification: Notification,
    subscription: FauxqsSubscription,
    message: string,
  ): void {
    const fauxqs = this.fauxqs();
    const queue = fauxqs.sqs.getQueueByArn(queueArn);
    if (!queue) throw new DeliveryFailure(`queue ${queueArn} does not exist`, false);
    const raw = subscription.attributes.RawMessageDelivery === 'true';
    const { input } = notification;
    try {
      fauxqs.sendMessage(queue, {
        MessageBody: raw ? message : JSON.stringify(this.envelope(notification, subscription, message)),
        MessageAttributes: raw ? input.messageAttributes : {},
        ...(queue.isFifo() && input.messageGroupId ? { MessageGroupId: input.messageGroupId } : {}),
        ...(queue.isFifo() && input.messageDeduplicationId
          ? { MessageDeduplicationId: input.messageDeduplicationId }
          : {}),
      });
    } catch (error) {
      const failure = asAwsError(error);
      throw new DeliveryFailure(failure instanceof Error ? failure.message : String(failure), false);
    }
  }

  private async deliverToLambda(
    notification: Notification,
    subscription: FauxqsSubscription,
    message: string,
  ): Promise<void> {
    const { topic } = notification;
    const event = { Records: [this.lambdaRecord(notification, subscription, message)] };
    const retryDelays = [
      ...Array.from({ length: IMMEDIATE_RETRIES }, () => 0),
      ...Array.from({ length: PRE_BACKOFF_RETRIES }, () => this.ctx.time.ms(1)),
    ];
    let result: Awaited<ReturnType<NonNullable<CloudContext['services']['lambda']>['invoke']>> | undefined;
    let lastError = '';
    for (let attempt = 0; attempt <= retryDelays.length && !this.closed; attempt += 1) {
      if (attempt > 0) await this.pause(retryDelays[attempt - 1] ?? 0);
      const lambda = this.ctx.services.lambda;
      const exists = lambda?.functions().some((fn) => sameFunction(fn.arn, fn.name, subscription.endpoint));
      if (!lambda || !exists) {
        // The function is gone: a client-side error, which SNS does not retry.
        lastError = `function ${subscription.endpoint} does not exist`;
        break;
      }
      try {
        result = await lambda.invoke(subscription.endpoint, event);
        break;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
    }
    if (!result) {
      if (!this.closed) this.deadLetter(notification, subscription, message, lastError);
      return;
    }
    // SNS invokes Lambda asynchronously: once Lambda has the event, the notification is delivered. A failing
    // handler is then retried by Lambda (twice), and what is left goes to the function's own failure
    // destination, not to the subscription's DLQ.
    this.counters.sns(topic.name, 'NumberOfNotificationsDelivered');
    for (const delaySeconds of LAMBDA_ASYNC_RETRY_DELAYS_S) {
      if (result.functionError === undefined || this.closed) return;
      await this.pause(this.ctx.time.ms(delaySeconds));
      if (this.closed) return;
      try {
        result = await this.ctx.services.lambda?.invoke(subscription.endpoint, event);
      } catch {
        return;
      }
      if (!result) return;
    }
    if (result.functionError !== undefined) {
      this.ctx.log(
        `messaging: ${subscription.endpoint} failed a notification from ${topic.name} three times; Lambda would now use the function's on-failure destination`,
      );
    }
  }

  /** A delivery failed for good: the message goes to the subscription's DLQ if it has one. */
  private deadLetter(
    notification: Notification,
    subscription: FauxqsSubscription,
    message: string,
    reason: string,
  ): void {
    const { topic, input } = notification;
    this.counters.sns(topic.name, 'NumberOfNotificationsFailed');
    const summary = summarizePayload(input.message, input.messageAttributes);
    const event = input.messageAttributes.eventType?.StringValue ?? summary.eventType ?? 'publish';
    const target = deadLetterTarget(subscription.attributes.RedrivePolicy);
    if (!target) {
      this.ctx.trace.emit({
        orderId: summary.orderId,
        event,
        service: `sns:${topic.name}`,
        outcome: `failed: ${reason} (no subscription DLQ, dropped)`,
      });
      return;
    }
    try {
      this.sendToQueue(target, notification, subscription, message);
      this.counters.sns(topic.name, 'NumberOfNotificationsRedrivenToDlq');
      this.ctx.trace.emit({
        orderId: summary.orderId,
        event,
        service: `sns:${topic.name}`,
        outcome: `dead-lettered to ${target.slice(target.lastIndexOf(':') + 1)}: ${reason}`,
      });
    } catch (error) {
      this.counters.sns(topic.name, 'NumberOfNotificationsFailedToRedriveToDlq');
      this.ctx.trace.emit({
        orderId: summary.orderId,
        event,
        service: `sns:${topic.name}`,
        outcome: `failed: ${reason}; the subscription DLQ failed too: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }

  /** The JSON an SQS subscriber receives without RawMessageDelivery. */
  private envelope(
    notification: Notification,
    subscription: FauxqsSubscription,
    message: string,
  ): Record<string, unknown> {
    const { input } = notification;
    const attributes = this.envelopeAttributes(input.messageAttributes);
    return {
      Type: 'Notification',
      MessageId: notification.messageId,
      ...(notification.sequenceNumber ? { SequenceNumber: notification.sequenceNumber } : {}),
      TopicArn: notification.topic.arn,
      ...(input.subject !== undefined ? { Subject: input.subject } : {}),
      Message: message,
      Timestamp: notification.timestamp,
      SignatureVersion: '1',
      Signature: 'EXAMPLE',
      SigningCertURL: SIGNING_CERT_URL,
      UnsubscribeURL: this.unsubscribeUrl(subscription),
      ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
    };
  }

  /** One record of the event a Lambda subscriber is invoked with. */
  private lambdaRecord(
    notification: Notification,
    subscription: FauxqsSubscription,
    message: string,
  ): Record<string, unknown> {
    const { input } = notification;
    return {
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: subscription.arn,
      Sns: {
        Type: 'Notification',
        MessageId: notification.messageId,
        ...(notification.sequenceNumber ? { SequenceNumber: notification.sequenceNumber } : {}),
        TopicArn: notification.topic.arn,
        Subject: input.subject ?? null,
        Message: message,
        Timestamp: notification.timestamp,
        SignatureVersion: '1',
        Signature: 'EXAMPLE',
        SigningCertUrl: SIGNING_CERT_URL,
        UnsubscribeUrl: this.unsubscribeUrl(subscription),
        MessageAttributes: this.envelopeAttributes(input.messageAttributes),
      },
    };
  }

  private envelopeAttributes(
    attributes: Readonly<Record<string, FauxqsAttribute>>,
  ): Record<string, { Type: string; Value: string }> {
    return Object.fromEntries(
      Object.entries(attributes).map(([name, attribute]) => [
        name,
        { Type: attribute.DataType, Value: attribute.StringValue ?? attribute.BinaryValue ?? '' },
      ]),
    );
  }

  private unsubscribeUrl(subscription: FauxqsSubscription): string {
    return `${this.ctx.edgeUrl}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(subscription.arn)}`;
  }

  private messageFor(notification: Notification, protocol: string): string {
    return (
      notification.structured?.[protocol] ?? notification.structured?.default ?? notification.input.message
    );
  }

  private structuredMessage(message: string): Record<string, string> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      throw invalidParameter('Invalid parameter: Message Structure - Failed to parse JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw invalidParameter('Invalid parameter: Message Structure - JSON message body must be an object');
    }
    const entries = Object.entries(parsed as Record<string, unknown>);
    if (!entries.some(([key]) => key === 'default')) {
      throw invalidParameter('Invalid parameter: Message Structure - No default entry in JSON message body');
    }
    return Object.fromEntries(
      entries.map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
    );
  }

  private validateAttribute(name: string, attribute: FauxqsAttribute): void {
    const type = attribute.DataType;
    if (!type)
      throw new AwsApiError(
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain a non-empty attribute type.`,
      );
    if (type.startsWith('Binary')) {
      if (attribute.BinaryValue === undefined) {
        throw new AwsApiError(
          'ParameterValueInvalid',
          `The message attribute '${name}' with type 'Binary' must use field 'Binary'.`,
        );
      }
      return;
    }
    if (attribute.StringValue === undefined) {
      throw new AwsApiError(
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain a non-empty message attribute value for message attribute type '${type}'.`,
      );
    }
    if (type === 'Number' || type.startsWith('Number.')) {
      if (!Number.isFinite(Number(attribute.StringValue)) || attribute.StringValue.trim() === '') {
        throw new AwsApiError(
          'ParameterValueInvalid',
          `Could not cast message attribute '${name}' value to number.`,
        );
      }
    } else if (type === 'String.Array') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(attribute.StringValue);
      } catch {
        parsed = undefined;
      }
      if (!Array.isArray(parsed)) {
        throw new AwsApiError(
          'ParameterValueInvalid',
          `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
        );
      }
    } else if (!type.startsWith('String')) {
      throw new AwsApiError(
        'ParameterValueInvalid',
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
  }

  private nextSequenceNumber(topicArn: string): string {
    const next = (this.sequences.get(topicArn) ?? 10_000_000_000_000_000_000n) + 1n;
    this.sequences.set(topicArn, next);
    return next.toString();
  }

  private pruneDeduplication(now: number): void {
    if (this.deduplication.size < 10_000) return;
    for (const [key, entry] of this.deduplication) {
      if (now - entry.at >= DEDUPLICATION_WINDOW_MS) this.deduplication.delete(key);
    }
  }

  private track(delivery: Promise<void>): void {
    const tracked = delivery.catch((error: unknown) => {
      this.ctx.log(
        `messaging: a Lambda delivery failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.ctx.log(message);
  }
}

/** The DLQ ARN of a subscription RedrivePolicy (a JSON string). */
const deadLetterTarget = (policy: string | undefined): string | undefined => {
  if (!policy) return undefined;
  try {
    const parsed = JSON.parse(policy) as { deadLetterTargetArn?: unknown };
    return typeof parsed.deadLetterTargetArn === 'string' ? parsed.deadLetterTargetArn : undefined;
  } catch {
    return undefined;
  }
};

/** A subscription endpoint (function ARN, possibly qualified, or name) names this function. */
const sameFunction = (arn: string, name: string, endpoint: string): boolean => {
  if (endpoint === arn || endpoint === name) return true;
  // arn:aws:lambda:region:account:function:name[:qualifier]
  const parts = endpoint.split(':');
  return parts.length >= 7 && parts.slice(0, 7).join(':') === arn;
};
