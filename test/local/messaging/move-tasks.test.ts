import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CancelMessageMoveTaskCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, type Messaging, startMessaging } from './harness.ts';

const run = promisify(execFile);

describe('DLQ redrive: StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask', () => {
  let cloud: Messaging;
  let client: SQSClient;
  beforeEach(async () => {
    cloud = await startMessaging({ factor: 0.01 });
    client = new SQSClient(cloud.clientConfig);
  });
  afterEach(async () => {
    client.destroy();
    await cloud.stop();
  });

  /** A DLQ shared by two source queues (maxReceiveCount 1), with `perSource` dead letters from each. */
  const deadLetters = async (perSource: number) => {
    const dlq = await cloud.queue('Dlq');
    const sources = [
      await cloud.queue('Orders', { RedrivePolicy: { deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 } }),
      await cloud.queue('Payments', { RedrivePolicy: { deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 } }),
    ];
    for (const source of sources) {
      for (let index = 0; index < perSource; index += 1) {
        await cloud.engine.sendMessage(source.url, JSON.stringify({ orderId: `${source.name}-${index}` }));
      }
      const options = { maxMessages: 10, visibilityTimeoutMs: 0, waitTimeMs: 0 };
      expect(await cloud.engine.receiveMessages(source.url, options)).toHaveLength(perSource);
      expect(await cloud.engine.receiveMessages(source.url, options)).toEqual([]); // over maxReceiveCount: moved
    }
    return { dlq, sources };
  };

  const bodies = async (queueUrl: string) => {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, AttributeNames: ['All'] }),
    );
    return Messages;
  };

  it('moves dead letters back to the queue each came from and reports the task as COMPLETED', async () => {
    const { dlq, sources } = await deadLetters(2);
    const { queueUrls } = await client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq.url }));
    expect(queueUrls).toEqual(sources.map((source) => source.url));

    const { TaskHandle } = await client.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn }));
    expect(TaskHandle).toBeTruthy();
    const done = await eventually(async () => {
      const { Results } = await client.send(
        new ListMessageMoveTasksCommand({ SourceArn: dlq.arn, MaxResults: 10 }),
      );
      return Results?.[0]?.Status === 'COMPLETED' ? Results : undefined;
    });
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({
      Status: 'COMPLETED',
      SourceArn: dlq.arn,
      ApproximateNumberOfMessagesMoved: 4,
      ApproximateNumberOfMessagesToMove: 4,
    });
    expect(done[0]?.TaskHandle).toBeUndefined(); // only RUNNING tasks show their handle
    expect(done[0]?.DestinationArn).toBeUndefined();
    expect(done[0]?.StartedTimestamp).toBeGreaterThan(Date.now() - 10_000);

    for (const source of sources) {
      const messages = await bodies(source.url);
      expect(messages.map((message) => JSON.parse(message.Body ?? '{}').orderId).sort()).toEqual([
        `${source.name}-0`,
        `${source.name}-1`,
      ]);
      // Redriven messages are new messages: their receive count starts again.
      expect(messages.map((message) => message.Attributes?.ApproximateReceiveCount)).toEqual(['1', '1']);
    }
    expect(await bodies(dlq.url)).toEqual([]);
    expect(cloud.ctx.trace.events).toContainEqual({
      orderId: `${sources[0]?.name}-0`,
      event: 'message',
      service: `sqs:${dlq.name}`,
      outcome: `redriven to ${sources[0]?.name}`,
    });
  });

  it('moves to DestinationArn when given, and refuses what SQS refuses', async () => {
    const { dlq, sources } = await deadLetters(1);
    const elsewhere = await cloud.queue('Elsewhere');
    await expect(
      client.send(new StartMessageMoveTaskCommand({ SourceArn: elsewhere.arn })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(
      client.send(new StartMessageMoveTaskCommand({ SourceArn: 'arn:aws:sqs:us-east-1:000000000000:nope' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(
      client.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn, MaxNumberOfMessagesPerSecond: 501 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });

    await client.send(
      new StartMessageMoveTaskCommand({
        SourceArn: dlq.arn,
        DestinationArn: elsewhere.arn,
        MaxNumberOfMessagesPerSecond: 100,
      }),
    );
    const [task] = await eventually(async () => {
      const { Results } = await client.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn }));
      return Results?.[0]?.Status === 'COMPLETED' ? Results : undefined;
    });
    expect(task).toMatchObject({
      DestinationArn: elsewhere.arn,
      MaxNumberOfMessagesPerSecond: 100,
      ApproximateNumberOfMessagesMoved: 2,
    });
    expect(
      (await bodies(elsewhere.url)).map((message) => JSON.parse(message.Body ?? '{}').orderId).sort(),
    ).toEqual(sources.map((source) => `${source.name}-0`).sort());
  });

  it('keeps one running task per source, cancels it, and fails a task for a message with no known source', async () => {
    const { dlq } = await deadLetters(1);
    // A message someone is looking at (in flight in the DLQ) keeps the task RUNNING until it is visible again.
    await cloud.engine.receiveMessages(dlq.url, {
      maxMessages: 1,
      visibilityTimeoutMs: 60_000,
      waitTimeMs: 0,
    });
    const { TaskHandle } = await client.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn }));
    await expect(client.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    const running = await eventually(async () => {
      const { Results } = await client.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn }));
      return Results?.[0]?.ApproximateNumberOfMessagesMoved === 1 ? Results[0] : undefined;
    });
    expect(running).toMatchObject({ Status: 'RUNNING', TaskHandle, ApproximateNumberOfMessagesToMove: 2 });
    const { ApproximateNumberOfMessagesMoved } = await client.send(
      new CancelMessageMoveTaskCommand({ TaskHandle }),
    );
    expect(ApproximateNumberOfMessagesMoved).toBe(1);
    const { Results } = await client.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn }));
    expect(Results?.[0]?.Status).toBe('CANCELLED');
    await expect(client.send(new CancelMessageMoveTaskCommand({ TaskHandle }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });

    // A message sent straight to the DLQ has no source queue to go back to.
    const direct = await cloud.queue('DirectDlq');
    await cloud.queue('DirectSource', {
      RedrivePolicy: { deadLetterTargetArn: direct.arn, maxReceiveCount: 3 },
    });
    await client.send(new SendMessageCommand({ QueueUrl: direct.url, MessageBody: 'put here by hand' }));
    await client.send(new StartMessageMoveTaskCommand({ SourceArn: direct.arn }));
    const failed = await eventually(async () => {
      const list = await client.send(new ListMessageMoveTasksCommand({ SourceArn: direct.arn }));
      return list.Results?.[0]?.Status === 'FAILED' ? list.Results[0] : undefined;
    });
    expect(failed.FailureReason).toMatch(/Specify a DestinationArn/);
  });

  it('works with the AWS CLI: aws sqs start-message-move-task and aws sqs list-queues', async () => {
    const { dlq, sources } = await deadLetters(1);
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    const aws = async (...args: string[]) =>
      JSON.parse(
        (await run('aws', ['--endpoint-url', cloud.edge.url, '--output', 'json', 'sqs', ...args], { env }))
          .stdout || '{}',
      );
    const started = await aws('start-message-move-task', '--source-arn', dlq.arn);
    expect(started.TaskHandle).toBeTruthy();
    await eventually(async () => ((await bodies(sources[0]?.url ?? '')).length === 1 ? true : undefined));
    const listed = await eventually(async () => {
      const { Results } = await client.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn }));
      return Results?.[0]?.Status === 'COMPLETED' ? Results : undefined;
    });
    expect(listed[0]).toMatchObject({
      ApproximateNumberOfMessagesMoved: 2,
      ApproximateNumberOfMessagesToMove: 2,
    });
    const { QueueUrls } = await aws('list-queues');
    expect(QueueUrls).toEqual(expect.arrayContaining([dlq.url, ...sources.map((source) => source.url)]));
    for (const url of QueueUrls as string[])
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/000000000000\/Test-/);
  }, 30_000);
});
