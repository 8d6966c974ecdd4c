import type { MetricStore } from '#lib/local/core/types';

export type SqsCounter =
  | 'NumberOfMessagesSent'
  | 'NumberOfMessagesReceived'
  | 'NumberOfMessagesDeleted'
  | 'NumberOfEmptyReceives';

export type SnsCounter =
  | 'NumberOfMessagesPublished'
  | 'NumberOfNotificationsDelivered'
  | 'NumberOfNotificationsFailed'
  | 'NumberOfNotificationsFilteredOut'
  | 'NumberOfNotificationsRedrivenToDlq'
  | 'NumberOfNotificationsFailedToRedriveToDlq';

/**
 * The counters SQS and SNS publish to CloudWatch (AWS/SQS by QueueName, AWS/SNS by TopicName). Counts are
 * summed in memory and written as one data point per metric per sampling tick, and only when non-zero, so the
 * metric store does not fill with zeros (a Sum over a period without data points is then missing data, which
 * every orderflow alarm treats as not breaching).
 */
export class MessagingCounters {
  private readonly pending = new Map<
    string,
    { namespace: string; dimension: string; name: string; metric: string; value: number }
  >();

  constructor(private readonly metrics: MetricStore) {}

  sqs(queueName: string, metric: SqsCounter, count = 1): void {
    this.add('AWS/SQS', 'QueueName', queueName, metric, count);
  }

  sns(topicName: string, metric: SnsCounter, count = 1): void {
    this.add('AWS/SNS', 'TopicName', topicName, metric, count);
  }

  /** Writes what was counted since the last flush. */
  flush(timestamp: number): void {
    for (const { namespace, dimension, name, metric, value } of this.pending.values()) {
      this.metrics.put({
        namespace,
        metricName: metric,
        dimensions: { [dimension]: name },
        value,
        unit: 'Count',
        timestamp,
      });
    }
    this.pending.clear();
  }

  private add(namespace: string, dimension: string, name: string, metric: string, count: number): void {
    if (count === 0) return;
    const key = `${namespace}\u0000${name}\u0000${metric}`;
    const entry = this.pending.get(key);
    if (entry) entry.value += count;
    else this.pending.set(key, { namespace, dimension, name, metric, value: count });
  }
}
