import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, type Messaging, startMessaging } from './harness.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SQS and SNS metrics', () => {
  let cloud: Messaging | undefined;
  afterEach(async () => {
    await cloud?.stop();
    cloud = undefined;
  });

  /** The last data point (or the one taken at `at`: the engine also samples on its own). */
  const latest = (
    messaging: Messaging,
    namespace: string,
    metricName: string,
    dimensions: Record<string, string>,
    at?: number,
  ) =>
    messaging.ctx.metrics
      .query({
        namespace,
        metricName,
        dimensions,
        start: at ?? 0,
        end: at === undefined ? Number.MAX_SAFE_INTEGER : at + 1,
      })
      .at(-1);
  const sum = (
    messaging: Messaging,
    namespace: string,
    metricName: string,
    dimensions: Record<string, string>,
  ) =>
    messaging.ctx.metrics
      .query({ namespace, metricName, dimensions, start: 0, end: Number.MAX_SAFE_INTEGER })
      .reduce((total, point) => total + point.value, 0);

  it('samples queue depth, and the age of the oldest message in AWS seconds (real age / time scale)', async () => {
    cloud = await startMessaging({ factor: 0.01 });
    const queue = await cloud.queue('Depth', { DelaySeconds: 0 });
    const dimensions = { QueueName: queue.name };
    const before = Date.now();
    for (const body of ['a', 'b', 'c']) await cloud.engine.sendMessage(queue.url, body);
    await cloud.engine.sendMessage(queue.url, 'later', { delaySeconds: 600 });
    const [inFlight] = await cloud.engine.receiveMessages(queue.url, {
      maxMessages: 1,
      visibilityTimeoutMs: 10_000,
      waitTimeMs: 0,
    });
    const sqs = new SQSClient(cloud.clientConfig);
    const empty = await cloud.queue('Empty');
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: empty.url }));
    sqs.destroy();

    const at = Date.now() + 2000; // two real seconds later: 200 s of AWS time
    cloud.engine.sample(at);
    const gauge = (name: string) => latest(cloud as Messaging, 'AWS/SQS', name, dimensions, at);
    expect(gauge('ApproximateNumberOfMessagesVisible')).toMatchObject({
      value: 2,
      unit: 'Count',
      timestamp: at,
    });
    expect(gauge('ApproximateNumberOfMessagesNotVisible')?.value).toBe(1);
    expect(gauge('ApproximateNumberOfMessagesDelayed')?.value).toBe(1);
    const age = gauge('ApproximateAgeOfOldestMessage');
    expect(age?.unit).toBe('Seconds');
    expect(age?.value).toBeGreaterThanOrEqual(200);
    expect(age?.value).toBeLessThanOrEqual((at - before) / 10 + 0.01);

    await cloud.engine.deleteMessage(queue.url, inFlight?.receiptHandle ?? '');
    cloud.engine.sample();
    const counter = (name: string, queueName = queue.name) =>
      sum(cloud as Messaging, 'AWS/SQS', name, { QueueName: queueName });
    expect(counter('NumberOfMessagesSent')).toBe(4);
    expect(counter('NumberOfMessagesReceived')).toBe(1);
    expect(counter('NumberOfMessagesDeleted')).toBe(1);
    expect(counter('NumberOfEmptyReceives', empty.name)).toBe(1);
    expect(latest(cloud, 'AWS/SQS', 'ApproximateAgeOfOldestMessage', { QueueName: empty.name })?.value).toBe(
      0,
    );
  });

  it('counts a dead letter from its move to the DLQ, and leaves poison pills out of the age', async () => {
    cloud = await startMessaging({ factor: 0.01 });
    const dlq = await cloud.queue('Dlq');
    const source = await cloud.queue('Source', {
      RedrivePolicy: { deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 },
    });
    const pills = await cloud.queue('Pills');
    await cloud.engine.sendMessage(source.url, 'doomed');
    await cloud.engine.sendMessage(pills.url, 'pill');
    await sleep(600); // 60 s of AWS time
    const options = { maxMessages: 1, visibilityTimeoutMs: 0, waitTimeMs: 0 };
    await cloud.engine.receiveMessages(source.url, options);
    await cloud.engine.receiveMessages(source.url, options); // moved to the DLQ
    for (let receive = 0; receive < 3; receive += 1) await cloud.engine.receiveMessages(pills.url, options);
    cloud.engine.sample();
    expect(
      latest(cloud, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: dlq.name })?.value,
    ).toBe(1);
    expect(
      latest(cloud, 'AWS/SQS', 'ApproximateAgeOfOldestMessage', { QueueName: dlq.name })?.value,
    ).toBeLessThan(50); // counted from the send it would be 60 or more
    // Moving to a DLQ on a failed receive is not a send (SQS's NumberOfMessagesSent leaves it out).
    expect(sum(cloud, 'AWS/SQS', 'NumberOfMessagesSent', { QueueName: dlq.name })).toBe(0);
    expect(
      latest(cloud, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: pills.name })?.value,
    ).toBe(1);
    expect(latest(cloud, 'AWS/SQS', 'ApproximateAgeOfOldestMessage', { QueueName: pills.name })?.value).toBe(
      0,
    );
  });

  it('samples on its own every minute of AWS time (at most every second), and counts SNS notifications', async () => {
    cloud = await startMessaging({ factor: 0.001 });
    expect(cloud.engine.sampleIntervalMs).toBe(60);
    const topic = await cloud.topic('Topic');
    const queue = await cloud.queue('Subscriber');
    await cloud.provision('AWS::SNS::Subscription', 'Sub', {
      TopicArn: topic.arn,
      Protocol: 'sqs',
      Endpoint: queue.arn,
      FilterPolicy: { kind: ['keep'] },
    });
    await cloud.engine.publish(topic.arn, 'kept', {
      messageAttributes: { kind: { DataType: 'String', StringValue: 'keep' } },
    });
    await cloud.engine.publish(topic.arn, 'dropped', {
      messageAttributes: { kind: { DataType: 'String', StringValue: 'drop' } },
    });
    const dimensions = { TopicName: topic.name };
    await eventually(() =>
      latest(cloud as Messaging, 'AWS/SNS', 'NumberOfMessagesPublished', dimensions) ? true : undefined,
    );
    expect(sum(cloud, 'AWS/SNS', 'NumberOfMessagesPublished', dimensions)).toBe(2);
    expect(sum(cloud, 'AWS/SNS', 'NumberOfNotificationsDelivered', dimensions)).toBe(1);
    expect(sum(cloud, 'AWS/SNS', 'NumberOfNotificationsFilteredOut', dimensions)).toBe(1);
    expect(
      latest(cloud, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: queue.name })?.value,
    ).toBe(1);
    expect(cloud.engine.sampleIntervalMs).toBeLessThanOrEqual(1000);
  });
});
