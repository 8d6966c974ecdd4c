import { randomBytes } from 'node:crypto';
import type {
  CloudContext,
  ProvisionedResource,
  ResourceProvider,
  TemplateResource,
} from '#lib/local/core/types';
import { physicalName } from '#lib/local/template/physical-name';
import type { FauxqsSubscription, MountedFauxqs } from './fauxqs.ts';
import { FilterPolicyError, validateFilterPolicy } from './filter-policy.ts';
import { asAwsError } from './sqs-service.ts';

export const QUEUE = 'AWS::SQS::Queue';
export const TOPIC = 'AWS::SNS::Topic';
export const SUBSCRIPTION = 'AWS::SNS::Subscription';
export const QUEUE_POLICY = 'AWS::SQS::QueuePolicy';
export const TOPIC_POLICY = 'AWS::SNS::TopicPolicy';

/** SQS queue names: at most 80 characters (`.fifo` included); SNS topic names: at most 256. */
const QUEUE_NAME_MAX = 80;
const TOPIC_NAME_MAX = 256;

const isTrue = (value: unknown): boolean => value === true || value === 'true';

/** CloudFormation gives numbers and booleans; the SQS and SNS APIs take strings. */
const attributeString = (value: unknown): string =>
  typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);

/** CloudFormation's name for a queue or topic, keeping `.fifo` for FIFO ones. */
const generatedName = (resource: TemplateResource, maxLength: number, fifo: boolean): string =>
  physicalName(resource.stackName, resource.logicalId, { maxLength, ending: fifo ? '.fifo' : '' });

const tagsOf = (tags: unknown): Record<string, string> => {
  const result: Record<string, string> = {};
  if (Array.isArray(tags)) {
    for (const tag of tags as { Key?: unknown; Value?: unknown }[]) {
      if (typeof tag?.Key === 'string') result[tag.Key] = attributeString(tag.Value ?? '');
    }
  }
  return result;
};

const failure = (resource: TemplateResource, message: string): Error =>
  new Error(`${resource.stackName}/${resource.logicalId} (${resource.type}): ${message}`);

const QUEUE_ATTRIBUTES = [
  'VisibilityTimeout',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'MaximumMessageSize',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
] as const;

/** What the providers share with the engine. */
export interface ProviderContext {
  readonly ctx: CloudContext;
  readonly fauxqs: () => MountedFauxqs;
  /** Records a resource type whose semantics are accepted but not enforced (resource policies). */
  readonly notEnforced: (type: string, resource: TemplateResource) => void;
}

export class QueueProvider implements ResourceProvider {
  readonly types = [QUEUE];

  constructor(private readonly shared: ProviderContext) {}

  async provision(resource: TemplateResource): Promise<ProvisionedResource> {
    const props = resource.properties;
    const fifo = isTrue(props.FifoQueue);
    const name =
      typeof props.QueueName === 'string' && props.QueueName !== ''
        ? props.QueueName
        : generatedName(resource, QUEUE_NAME_MAX, fifo);
    const attributes: Record<string, string> = {};
    for (const key of QUEUE_ATTRIBUTES) {
      if (props[key] !== undefined && props[key] !== null) attributes[key] = attributeString(props[key]);
    }
    if (fifo) attributes.FifoQueue = 'true';
    if (props.RedriveAllowPolicy !== undefined) {
      attributes.RedriveAllowPolicy = attributeString(props.RedriveAllowPolicy);
    }
    if (props.RedrivePolicy !== undefined && props.RedrivePolicy !== null) {
      attributes.RedrivePolicy = this.redrivePolicy(resource, name, fifo, props.RedrivePolicy);
    }
    const fauxqs = this.shared.fauxqs();
    const host = new URL(this.shared.ctx.edgeUrl).host;
    let queue: ReturnType<MountedFauxqs['createQueue']>;
    try {
      queue = fauxqs.createQueue(host, name, attributes, tagsOf(props.Tags));
    } catch (error) {
      const aws = asAwsError(error);
      throw failure(resource, aws instanceof Error ? aws.message : String(aws));
    }
    return { ref: queue.url, attributes: { Arn: queue.arn, QueueName: queue.name, QueueUrl: queue.url } };
  }

  /** Normalizes the RedrivePolicy and checks it as SQS does when the queue is created. */
  private redrivePolicy(resource: TemplateResource, name: string, fifo: boolean, policy: unknown): string {
    let parsed: unknown = policy;
    if (typeof policy === 'string') {
      try {
        parsed = JSON.parse(policy);
      } catch {
        throw failure(resource, 'RedrivePolicy is not valid JSON');
      }
    }
    const { deadLetterTargetArn, maxReceiveCount } = (parsed ?? {}) as Record<string, unknown>;
    const count = Number(maxReceiveCount);
    if (typeof deadLetterTargetArn !== 'string' || !Number.isInteger(count) || count < 1 || count > 1000) {
      throw failure(
        resource,
        'RedrivePolicy needs deadLetterTargetArn and maxReceiveCount (an integer from 1 to 1000)',
      );
    }
    const deadLetterQueue = this.shared.fauxqs().sqs.getQueueByArn(deadLetterTargetArn);
    if (!deadLetterQueue) {
      throw failure(resource, `RedrivePolicy: dead letter target ${deadLetterTargetArn} does not exist`);
    }
    if (deadLetterQueue.isFifo() !== fifo) {
      throw failure(
        resource,
        'RedrivePolicy: the dead-letter queue of a FIFO queue must be a FIFO queue, and of a standard queue a standard queue',
      );
    }
    const allow = deadLetterQueue.attributes.RedriveAllowPolicy;
    if (allow) {
      let parsedAllow: { redrivePermission?: string; sourceQueueArns?: string[] } = {};
      try {
        parsedAllow = JSON.parse(allow) as typeof parsedAllow;
      } catch {
        // An unparsable RedriveAllowPolicy allows everything, as no policy does.
      }
      const { redrivePermission, sourceQueueArns } = parsedAllow;
      const arn = `arn:aws:sqs:${this.shared.ctx.region}:${this.shared.ctx.accountId}:${name}`;
      if (
        redrivePermission === 'denyAll' ||
        (redrivePermission === 'byQueue' && !sourceQueueArns?.includes(arn))
      ) {
        throw failure(
          resource,
          `the RedriveAllowPolicy of ${deadLetterQueue.name} does not allow ${name} as a source`,
        );
      }
    }
    return JSON.stringify({ deadLetterTargetArn, maxReceiveCount: count });
  }
}

export class TopicProvider implements ResourceProvider {
  readonly types = [TOPIC];

  constructor(private readonly shared: ProviderContext) {}

  async provision(resource: TemplateResource): Promise<ProvisionedResource> {
    const props = resource.properties;
    const fifo = isTrue(props.FifoTopic);
    const name =
      typeof props.TopicName === 'string' && props.TopicName !== ''
        ? props.TopicName
        : generatedName(resource, TOPIC_NAME_MAX, fifo);
    const attributes: Record<string, string> = {};
    for (const key of [
      'DisplayName',
      'KmsMasterKeyId',
      'ContentBasedDeduplication',
      'SignatureVersion',
      'TracingConfig',
    ]) {
      if (props[key] !== undefined && props[key] !== null) attributes[key] = attributeString(props[key]);
    }
    if (fifo) attributes.FifoTopic = 'true';
    if (props.ArchivePolicy !== undefined) attributes.ArchivePolicy = attributeString(props.ArchivePolicy);
    const { sns } = this.shared.fauxqs();
    let topic: ReturnType<typeof sns.createTopic>;
    try {
      topic = sns.createTopic(name, attributes, tagsOf(props.Tags), this.shared.ctx.region);
    } catch (error) {
      const aws = asAwsError(error);
      throw failure(resource, aws instanceof Error ? aws.message : String(aws));
    }
    // Inline subscriptions (the Subscription property).
    if (Array.isArray(props.Subscription)) {
      for (const inline of props.Subscription as { Endpoint?: unknown; Protocol?: unknown }[]) {
        if (typeof inline?.Endpoint === 'string' && typeof inline.Protocol === 'string') {
          confirm(sns.subscribe(topic.arn, inline.Protocol, inline.Endpoint));
        }
      }
    }
    return { ref: topic.arn, attributes: { TopicArn: topic.arn, TopicName: topic.name } };
  }
}

/** SNS confirms SQS and Lambda subscriptions in the same account at once. */
const confirm = (subscription: FauxqsSubscription | undefined): void => {
  if (subscription && (subscription.protocol === 'sqs' || subscription.protocol === 'lambda')) {
    subscription.confirmed = true;
  }
};

export class SubscriptionProvider implements ResourceProvider {
  readonly types = [SUBSCRIPTION];

  constructor(private readonly shared: ProviderContext) {}

  async provision(resource: TemplateResource): Promise<ProvisionedResource> {
    const props = resource.properties;
    const { TopicArn: topicArn, Protocol: protocol, Endpoint: endpoint } = props;
    if (typeof topicArn !== 'string' || typeof protocol !== 'string' || typeof endpoint !== 'string') {
      throw failure(resource, 'TopicArn, Protocol and Endpoint are required');
    }
    const { sns } = this.shared.fauxqs();
    if (!sns.getTopic(topicArn)) throw failure(resource, `topic ${topicArn} does not exist`);
    const attributes: Record<string, string> = {};
    if (props.RawMessageDelivery !== undefined) {
      attributes.RawMessageDelivery = isTrue(props.RawMessageDelivery) ? 'true' : 'false';
    }
    if (props.FilterPolicyScope !== undefined)
      attributes.FilterPolicyScope = attributeString(props.FilterPolicyScope);
    if (props.FilterPolicy !== undefined && props.FilterPolicy !== null) {
      attributes.FilterPolicy = attributeString(props.FilterPolicy);
      try {
        validateFilterPolicy(attributes.FilterPolicy, attributes.FilterPolicyScope);
      } catch (error) {
        if (error instanceof FilterPolicyError) throw failure(resource, `FilterPolicy: ${error.message}`);
        throw error;
      }
    }
    for (const key of ['RedrivePolicy', 'DeliveryPolicy', 'SubscriptionRoleArn', 'ReplayPolicy']) {
      if (props[key] !== undefined && props[key] !== null) attributes[key] = attributeString(props[key]);
    }
    let subscription: FauxqsSubscription | undefined;
    try {
      subscription = sns.subscribe(topicArn, protocol, endpoint, attributes);
    } catch (error) {
      const aws = asAwsError(error);
      throw failure(resource, aws instanceof Error ? aws.message : String(aws));
    }
    if (!subscription) throw failure(resource, `topic ${topicArn} does not exist`);
    confirm(subscription);
    if (protocol !== 'sqs' && protocol !== 'lambda') {
      this.shared.ctx.log(
        `messaging: ${resource.stackName}/${resource.logicalId} subscribes protocol ${protocol}; only sqs and lambda subscriptions are delivered locally`,
      );
    }
    return { ref: subscription.arn, attributes: {} };
  }
}

/** Queue and topic policies: accepted, but resource policies are not enforced locally. */
export class ResourcePolicyProvider implements ResourceProvider {
  readonly types = [QUEUE_POLICY, TOPIC_POLICY];

  constructor(private readonly shared: ProviderContext) {}

  async provision(resource: TemplateResource): Promise<ProvisionedResource> {
    this.shared.notEnforced(resource.type, resource);
    const id = `${resource.stackName}-${resource.logicalId}-${randomBytes(6).toString('hex').toUpperCase()}`;
    return { ref: id, attributes: { Id: id } };
  }
}
