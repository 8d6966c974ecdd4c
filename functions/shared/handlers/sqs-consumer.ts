import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../powertools/index.ts';

export interface SqsConsumerOptions<TMessage> {
  /** Validates one record's body. Throw (MalformedEventError, UnsupportedEventError) to fail that record alone. */
  readonly parse: (record: SQSRecord) => TMessage;
  /** Keys added to every log line while this message is processed, such as eventId and correlationId. */
  readonly logKeys: (message: TMessage) => Record<string, string | undefined>;
  /** Applies the message. It must be idempotent on a domain key: SQS, SNS and EventBridge all redeliver. */
  readonly process: (message: TMessage, context: Context) => Promise<void>;
}

/**
 * An SQS batch handler that reports partial batch failures, so one poison message fails (and is
 * eventually dead-lettered) alone while its neighbours are deleted from the queue.
 */
export const makeSqsConsumer =
  <TMessage>(options: SqsConsumerOptions<TMessage>) =>
  async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const processor = new BatchProcessor(EventType.SQS);
    const handleRecord = async (record: SQSRecord): Promise<void> => {
      let keys: string[] = [];
      try {
        const message = options.parse(record);
        const logKeys = Object.fromEntries(
          Object.entries(options.logKeys(message)).filter((entry): entry is [string, string] => !!entry[1]),
        );
        keys = Object.keys(logKeys);
        logger.appendKeys(logKeys);
        await options.process(message, context);
      } catch (error) {
        logger.error('record failed; it stays on the queue and is retried, then dead-lettered', {
          messageId: record.messageId,
          receiveCount: record.attributes.ApproximateReceiveCount,
          error: error as Error,
        });
        throw error;
      } finally {
        logger.removeKeys(keys);
      }
    };
    // Records are applied one after another: the log keys above belong to one record at a time, and
    // concurrency comes from the event source mapping's concurrent invocations instead.
    return processPartialResponse(event, handleRecord, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  };
