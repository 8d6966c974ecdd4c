/**
 * The messaging engine: SQS and SNS on fauxqs, mounted in process behind the edge, plus what fauxqs lacks
 * (time scaling, message move tasks, ListDeadLetterSourceQueues, our own SNS fan-out with exact filter policies,
 * Lambda subscriptions and subscription DLQs, retention, CloudWatch metrics).
 */
import type {
  CloudContext,
  Engine,
  ReceivedSqsMessage,
  ResourceProvider,
  ServiceHandler,
  SnsApi,
  SqsApi,
  SqsMessageAttribute,
  TemplateResource,
} from '#lib/local/core/types';
import { MountedFauxqs } from './fauxqs.ts';
import { SnsHandler, SqsHandler } from './handlers.ts';
import { MessagingCounters } from './metrics.ts';
import { MessageMoveTasks } from './move-tasks.ts';
import {
  type ProviderContext,
  QueueProvider,
  ResourcePolicyProvider,
  SubscriptionProvider,
  TopicProvider,
} from './providers.ts';
import { SnsService } from './sns-service.ts';
import { SqsService } from './sqs-service.ts';

/**
 * Registers `ctx.services.sqs` and `ctx.services.sns` at start; provides AWS::SQS::Queue, AWS::SNS::Topic,
 * AWS::SNS::Subscription, and accepts AWS::SQS::QueuePolicy / AWS::SNS::TopicPolicy (not enforced); serves
 * SQS (JSON protocol) and SNS (query protocol) on the edge.
 */
export class MessagingEngine implements Engine, SqsApi, SnsApi {
  readonly name = 'messaging';
  readonly providers: readonly ResourceProvider[];
  readonly handlers: readonly ServiceHandler[];

  private mounted: MountedFauxqs | undefined;
  private readonly counters: MessagingCounters;
  private readonly sqs: SqsService;
  private readonly sns: SnsService;
  private readonly moveTasks: MessageMoveTasks;
  private readonly unenforced = new Map<string, number>();
  private sampler: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: CloudContext) {
    const fauxqs = (): MountedFauxqs => {
      if (!this.mounted) throw new Error('the messaging engine is not started');
      return this.mounted;
    };
    this.counters = new MessagingCounters(ctx.metrics);
    this.sqs = new SqsService(ctx, fauxqs, this.counters);
    this.sns = new SnsService(ctx, fauxqs, this.counters);
    this.moveTasks = new MessageMoveTasks(ctx, fauxqs, this.sqs);
    const shared: ProviderContext = {
      ctx,
      fauxqs,
      notEnforced: (type: string, resource: TemplateResource) => this.recordNotEnforced(type, resource),
    };
    this.providers = [
      new QueueProvider(shared),
      new TopicProvider(shared),
      new SubscriptionProvider(shared),
      new ResourcePolicyProvider(shared),
    ];
    this.handlers = [new SqsHandler(shared, this.sqs, this.moveTasks), new SnsHandler(shared, this.sns)];
  }

  /** How often the SQS gauges are sampled: every minute of AWS time, at least once a second. */
  get sampleIntervalMs(): number {
    return Math.max(10, Math.min(this.ctx.time.ms(60), 1000));
  }

  async start(): Promise<void> {
    if (this.mounted) return;
    this.mounted = await MountedFauxqs.start({ region: this.ctx.region, hooks: this.sqs });
    this.ctx.services.sqs = this;
    this.ctx.services.sns = this;
    this.sampler = setInterval(() => this.sample(), this.sampleIntervalMs);
    this.sampler.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.sampler);
    this.sampler = undefined;
    this.moveTasks.close();
    this.sqs.close();
    await this.sns.close();
    const mounted = this.mounted;
    this.mounted = undefined;
    if (this.ctx.services.sqs === this) delete this.ctx.services.sqs;
    if (this.ctx.services.sns === this) delete this.ctx.services.sns;
    await mounted?.close();
  }

  /**
   * What the engine accepts from the templates without enforcing it, for the boot summary: resource policies
   * (AWS::SQS::QueuePolicy, AWS::SNS::TopicPolicy) are provisioned but every principal may do everything.
   */
  notEnforced(): string[] {
    return [...this.unenforced].map(
      ([type, count]) => `${type} (${count}): accepted; resource policies are not enforced locally`,
    );
  }

  /**
   * Takes the samples CloudWatch would: the queues' depth gauges and age of the oldest message, and the
   * counters summed since the last sample. Also expires messages past their retention period.
   */
  sample(now = Date.now()): void {
    const mounted = this.mounted;
    if (!mounted) return;
    // fauxqs moves expired in-flight and delayed messages only when a queue is read; bring every queue up to date.
    mounted.sqs.processAllTimers();
    for (const queue of mounted.sqs.allQueues()) {
      this.sqs.expire(queue, now);
      const dimensions = { QueueName: queue.name };
      const gauge = (metricName: string, value: number, unit = 'Count'): void =>
        this.ctx.metrics.put({ namespace: 'AWS/SQS', metricName, dimensions, value, unit, timestamp: now });
      gauge(
        'ApproximateNumberOfMessagesVisible',
        Number(queue.getAttribute('ApproximateNumberOfMessages') ?? 0),
      );
      gauge(
        'ApproximateNumberOfMessagesNotVisible',
        Number(queue.getAttribute('ApproximateNumberOfMessagesNotVisible') ?? 0),
      );
      gauge(
        'ApproximateNumberOfMessagesDelayed',
        Number(queue.getAttribute('ApproximateNumberOfMessagesDelayed') ?? 0),
      );
      gauge('ApproximateAgeOfOldestMessage', this.sqs.oldestMessageAgeSeconds(queue, now), 'Seconds');
    }
    this.counters.flush(now);
  }

  // ---- SqsApi (ctx.services.sqs) ----

  sendMessage(
    queue: string,
    body: string,
    options?: {
      readonly messageAttributes?: Readonly<Record<string, SqsMessageAttribute>>;
      readonly messageGroupId?: string;
      readonly messageDeduplicationId?: string;
      readonly delaySeconds?: number;
    },
  ): Promise<{ messageId: string }> {
    return this.sqs.sendMessage(queue, body, options);
  }

  receiveMessages(
    queue: string,
    options: {
      readonly maxMessages: number;
      readonly visibilityTimeoutMs: number;
      readonly waitTimeMs: number;
    },
  ): Promise<ReceivedSqsMessage[]> {
    return this.sqs.receiveMessages(queue, options);
  }

  deleteMessage(queue: string, receiptHandle: string): Promise<void> {
    return this.sqs.deleteMessage(queue, receiptHandle);
  }

  changeMessageVisibility(queue: string, receiptHandle: string, visibilityTimeoutMs: number): Promise<void> {
    return this.sqs.changeMessageVisibility(queue, receiptHandle, visibilityTimeoutMs);
  }

  queueUrl(queue: string): string {
    return this.sqs.queueUrl(queue);
  }

  /** The queue's attributes as the template set them (unscaled AWS seconds), for event source mappings. */
  async queueAttributes(queue: string): Promise<Readonly<Record<string, string>>> {
    return { ...this.sqs.resolve(queue).attributes };
  }

  queueArn(queue: string): string {
    return this.sqs.queueArn(queue);
  }

  // ---- SnsApi (ctx.services.sns) ----

  publish(
    topicArn: string,
    message: string,
    options?: {
      readonly subject?: string;
      readonly messageAttributes?: Readonly<Record<string, { DataType: string; StringValue?: string }>>;
      readonly messageGroupId?: string;
      readonly messageDeduplicationId?: string;
    },
  ): Promise<{ messageId: string }> {
    return this.sns.publish(topicArn, message, options);
  }

  private recordNotEnforced(type: string, resource: TemplateResource): void {
    const count = this.unenforced.get(type) ?? 0;
    if (count === 0) {
      this.ctx.log(
        `messaging: ${type} ${resource.stackName}/${resource.logicalId} accepted; resource policies are not enforced locally`,
      );
    }
    this.unenforced.set(type, count + 1);
  }
}
