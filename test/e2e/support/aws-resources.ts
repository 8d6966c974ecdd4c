/** Finding the stacks' queues and alarms by what they are, the same way on every target. */
import { DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { clients } from './harness.ts';

/**
 * The URL of the processing stack's queue whose generated name starts with `OrderflowProcessing-<logicalIdPrefix>`
 * (CloudFormation and the local cloud both name queues `<stack>-<logicalId>...`).
 */
export const queueUrl = async (logicalIdPrefix: string): Promise<string> => {
  const prefix = `OrderflowProcessing-${logicalIdPrefix}`;
  const { QueueUrls = [] } = await clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
  if (QueueUrls.length !== 1) {
    throw new Error(
      `expected one queue named ${prefix}*, found ${QueueUrls.length}: ${QueueUrls.join(', ')}`,
    );
  }
  return QueueUrls[0] as string;
};

export const queueAttributes = async (url: string): Promise<Record<string, string>> =>
  (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })))
    .Attributes ?? {};

export const queueArn = async (url: string): Promise<string> => {
  const arn = (await queueAttributes(url)).QueueArn;
  if (!arn) throw new Error(`queue ${url} has no QueueArn`);
  return arn;
};

/** Every alarm on the target, through DescribeAlarms pages. */
export const allAlarms = async (): Promise<MetricAlarm[]> => {
  const alarms: MetricAlarm[] = [];
  let NextToken: string | undefined;
  do {
    const page = await clients.cloudwatch.send(new DescribeAlarmsCommand({ NextToken, MaxRecords: 100 }));
    alarms.push(...(page.MetricAlarms ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return alarms;
};

/** The DLQ-depth alarm watching the queue named `queueName`. */
export const depthAlarmOf = async (queueName: string): Promise<MetricAlarm> => {
  const alarm = (await allAlarms()).find(
    (candidate) =>
      candidate.MetricName === 'ApproximateNumberOfMessagesVisible' &&
      candidate.Dimensions?.some(
        (dimension) => dimension.Name === 'QueueName' && dimension.Value === queueName,
      ),
  );
  if (!alarm) throw new Error(`no ApproximateNumberOfMessagesVisible alarm watches ${queueName}`);
  return alarm;
};
