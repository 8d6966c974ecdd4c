import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { QueueConsumer, type QueueConsumerProps } from '#lib/constructs/queue-consumer';
import { newApp, prop, resourcesOf } from './support/orderflow-app';

const handler = { entry: 'functions/saga/starter-handler.ts', serviceName: 'test' };

function consumer(props: Partial<QueueConsumerProps>): { stack: Stack; consumer: QueueConsumer } {
  const stack = new Stack(newApp(), 'ConstructTest');
  return { stack, consumer: new QueueConsumer(stack, 'Consumer', { handler, ...props }) };
}

describe('QueueConsumer', () => {
  it.each([0, 2, 6, 3.5])('rejects maxReceiveCount %s and names the bad value', (maxReceiveCount) => {
    expect(() => consumer({ maxReceiveCount })).toThrow(
      new RegExp(`maxReceiveCount must be an integer from 3 to 5, got ${maxReceiveCount}`),
    );
  });

  it('accepts maxReceiveCount 3 to 5 and writes it to the redrive policy', () => {
    for (const maxReceiveCount of [3, 4, 5]) {
      const { stack } = consumer({ maxReceiveCount });
      const redrives = resourcesOf(Template.fromStack(stack), 'AWS::SQS::Queue')
        .map(([, q]) => prop<{ maxReceiveCount: number } | undefined>(q, 'RedrivePolicy'))
        .filter((r) => r !== undefined);
      expect(redrives.map((r) => r.maxReceiveCount)).toEqual([maxReceiveCount]);
    }
  });

  it('rejects a visibility timeout below 6 times the function timeout, naming both', () => {
    expect(() =>
      consumer({
        handler: { ...handler, timeout: Duration.seconds(30) },
        visibilityTimeout: Duration.seconds(60),
      }),
    ).toThrow(/at least 6 x the function timeout \(180s\), got 60s/);
  });

  it('derives the visibility timeout from the function timeout by default', () => {
    const { stack } = consumer({ handler: { ...handler, timeout: Duration.seconds(20) } });
    const timeouts = resourcesOf(Template.fromStack(stack), 'AWS::SQS::Queue')
      .filter(([, q]) => prop(q, 'RedrivePolicy') !== undefined)
      .map(([, q]) => prop<number>(q, 'VisibilityTimeout'));
    expect(timeouts).toEqual([120]);
  });

  it('exposes every resource it creates', () => {
    const { consumer: c } = consumer({});
    expect(c.queue.deadLetterQueue?.queue).toBe(c.deadLetterQueue);
    expect(c.deadLetterQueueAlarm).toBe(c.deadLetterQueue.depthAlarm);
    expect(c.handler.errorsAlarm).toBeDefined();
    expect(c.eventSource.queue).toBe(c.queue);
    expect(c.messageAgeAlarm).toBeDefined();
  });
});
