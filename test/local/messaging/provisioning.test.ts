import { GetSubscriptionAttributesCommand, GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { physicalName } from '#lib/local/template/physical-name';
import { type Messaging, startMessaging } from './harness.ts';

describe('provisioning SQS and SNS resources from resolved template properties', () => {
  let cloud: Messaging;
  let sqs: SQSClient;
  let sns: SNSClient;
  beforeAll(async () => {
    cloud = await startMessaging();
    sqs = new SQSClient(cloud.clientConfig);
    sns = new SNSClient(cloud.clientConfig);
  });
  afterAll(async () => {
    sqs.destroy();
    sns.destroy();
    await cloud.stop();
  });

  it('gives a queue a generated name, a URL on the edge as Ref, and Arn / QueueName / QueueUrl attributes', async () => {
    const { ref, attributes } = await cloud.provision(
      'AWS::SQS::Queue',
      'SagaStarterDeadLetterQueue4736174D',
      {
        MessageRetentionPeriod: 1209600,
        SqsManagedSseEnabled: true,
      },
    );
    // CloudFormation's name: `<stack>-<logicalId>-<suffix>`, at most 80 characters for a queue.
    const name = physicalName('Test', 'SagaStarterDeadLetterQueue4736174D', { maxLength: 80 });
    expect(name).toMatch(/^Test-SagaStarterDeadLetterQueue4736174D-[A-Z0-9]{12}$/);
    expect(ref).toBe(`${cloud.edge.url}/000000000000/${name}`);
    expect(ref).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/000000000000\//);
    expect(attributes).toEqual({
      Arn: `arn:aws:sqs:us-east-1:000000000000:${name}`,
      QueueName: name,
      QueueUrl: ref,
    });
  });

  it('uses QueueName when given, and keeps .fifo on generated FIFO names truncated to 80 characters', async () => {
    expect((await cloud.queue('Named', { QueueName: 'orders-in' })).name).toBe('orders-in');
    const fifo = await cloud.queue(`Very${'Long'.repeat(30)}Queue`, {
      FifoQueue: true,
      ContentBasedDeduplication: true,
    });
    expect(fifo.name).toHaveLength(80);
    // The stack and logical id are cut, never the suffix nor `.fifo`.
    expect(fifo.name).toMatch(/^Test-VeryLong.*-[A-Z0-9]{12}\.fifo$/);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: fifo.url, AttributeNames: ['All'] }),
    );
    expect(Attributes).toMatchObject({ FifoQueue: 'true', ContentBasedDeduplication: 'true' });
  });

  it('stores the redrive policy (maxReceiveCount as a number) and the other attributes', async () => {
    const dlq = await cloud.queue('RedriveDlq', { MessageRetentionPeriod: 1209600 });
    const queue = await cloud.queue('RedriveSource', {
      RedrivePolicy: { deadLetterTargetArn: dlq.arn, maxReceiveCount: '3' },
      SqsManagedSseEnabled: true,
      KmsMasterKeyId: 'alias/aws/sqs',
      VisibilityTimeout: 60,
      DelaySeconds: 0,
      ReceiveMessageWaitTimeSeconds: 20,
    });
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['All'] }),
    );
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: dlq.arn,
      maxReceiveCount: 3,
    });
    expect(Attributes).toMatchObject({
      VisibilityTimeout: '60',
      ReceiveMessageWaitTimeSeconds: '20',
      KmsMasterKeyId: 'alias/aws/sqs',
    });
  });

  it('refuses a redrive policy SQS would refuse: missing DLQ, FIFO/standard mismatch, RedriveAllowPolicy denyAll', async () => {
    await expect(
      cloud.queue('Orphan', {
        RedrivePolicy: { deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:nope', maxReceiveCount: 3 },
      }),
    ).rejects.toThrow(/Test\/Orphan.*dead letter target .* does not exist/);
    const standardDlq = await cloud.queue('StandardDlq');
    await expect(
      cloud.queue('FifoSource', {
        FifoQueue: true,
        RedrivePolicy: { deadLetterTargetArn: standardDlq.arn, maxReceiveCount: 3 },
      }),
    ).rejects.toThrow(/FIFO/);
    const closed = await cloud.queue('ClosedDlq', { RedriveAllowPolicy: { redrivePermission: 'denyAll' } });
    await expect(
      cloud.queue('Denied', { RedrivePolicy: { deadLetterTargetArn: closed.arn, maxReceiveCount: 3 } }),
    ).rejects.toThrow(/RedriveAllowPolicy/);
  });

  it('gives a topic its ARN as Ref and TopicArn / TopicName attributes, accepting KmsMasterKeyId', async () => {
    const { ref, attributes } = await cloud.provision('AWS::SNS::Topic', 'TopicsOpsAlertsAB97B668', {
      DisplayName: 'orderflow ops alerts',
      KmsMasterKeyId: 'arn:aws:kms:us-east-1:000000000000:key/abc',
    });
    const name = physicalName('Test', 'TopicsOpsAlertsAB97B668', { maxLength: 256 });
    expect(name).toMatch(/^Test-TopicsOpsAlertsAB97B668-[A-Z0-9]{12}$/);
    expect(ref).toBe(`arn:aws:sns:us-east-1:000000000000:${name}`);
    expect(attributes).toEqual({ TopicArn: ref, TopicName: name });
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: ref }));
    expect(Attributes?.DisplayName).toBe('orderflow ops alerts');
  });

  it('subscribes with the filter policy, raw delivery and redrive policy of the template; Ref is the subscription ARN', async () => {
    const topic = await cloud.topic('CustomerNotifications');
    const queue = await cloud.queue('EmailSenderQueue');
    const dlq = await cloud.queue('EmailSubscriptionDlq');
    const { ref } = await cloud.provision('AWS::SNS::Subscription', 'EmailSubscription', {
      Endpoint: queue.arn,
      FilterPolicy: { channel: ['email'], eventType: ['OrderPlaced', 'OrderShipped'] },
      Protocol: 'sqs',
      RawMessageDelivery: true,
      RedrivePolicy: { deadLetterTargetArn: dlq.arn },
      TopicArn: topic.arn,
    });
    expect(ref).toMatch(new RegExp(`^${topic.arn}:[0-9a-f-]{36}$`));
    const { Attributes } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: ref }));
    expect(Attributes).toMatchObject({
      RawMessageDelivery: 'true',
      PendingConfirmation: 'false',
      Endpoint: queue.arn,
    });
    expect(JSON.parse(Attributes?.FilterPolicy ?? '')).toEqual({
      channel: ['email'],
      eventType: ['OrderPlaced', 'OrderShipped'],
    });
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '')).toEqual({ deadLetterTargetArn: dlq.arn });
  });

  it('refuses a nested filter policy on message attributes, and a subscription to a missing topic', async () => {
    const topic = await cloud.topic('Strict');
    await expect(
      cloud.provision('AWS::SNS::Subscription', 'Nested', {
        TopicArn: topic.arn,
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:000000000000:x',
        FilterPolicy: { detail: { status: ['PAID'] } },
      }),
    ).rejects.toThrow(/does not support nested filter policy/);
    await expect(
      cloud.provision('AWS::SNS::Subscription', 'NoTopic', {
        TopicArn: 'arn:aws:sns:us-east-1:000000000000:missing',
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:000000000000:x',
      }),
    ).rejects.toThrow(/does not exist/);
  });

  it('accepts queue and topic policies with a generated id, and reports that they are not enforced', async () => {
    const queue = await cloud.queue('Guarded');
    const { ref } = await cloud.provision('AWS::SQS::QueuePolicy', 'GuardedPolicy', {
      PolicyDocument: { Statement: [], Version: '2012-10-17' },
      Queues: [queue.url],
    });
    expect(ref).toMatch(/^Test-GuardedPolicy-[0-9A-F]{12}$/);
    await cloud.provision('AWS::SNS::TopicPolicy', 'TopicPolicy', { PolicyDocument: {}, Topics: [] });
    expect(cloud.engine.notEnforced()).toEqual([
      'AWS::SQS::QueuePolicy (1): accepted; resource policies are not enforced locally',
      'AWS::SNS::TopicPolicy (1): accepted; resource policies are not enforced locally',
    ]);
    expect(cloud.ctx.logs.join('\n')).toMatch(/AWS::SQS::QueuePolicy .* not enforced/);
  });
});
