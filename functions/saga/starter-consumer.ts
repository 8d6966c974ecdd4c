import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { parseDeliveredEvent } from '#shared/events/envelope';
import type { DomainEvent } from '#shared/events/schemas';
import { makeSqsConsumer } from '#shared/handlers/sqs-consumer';
import { logger, metrics } from '#shared/powertools/index';
import type { StartSagaResult } from './saga-launcher.ts';
import { type StartSagaCommand, startSagaCommand } from './start-saga.ts';

export interface SagaStarterDeps {
  /** Starts the saga at most once per orderId (the deployed one is wrapped in Powertools idempotency). */
  readonly start: (command: StartSagaCommand, context: Context) => Promise<StartSagaResult>;
}

/**
 * The saga-start queue's consumer: one OrderPlaced event per record, one execution per order. A malformed or
 * unknown-version event fails alone in its batch and, after the queue's retries, lands in the DLQ.
 */
export const makeSagaStarter = ({ start }: SagaStarterDeps) =>
  makeSqsConsumer<DomainEvent<'OrderPlaced'>>({
    parse: (record) => parseDeliveredEvent(record.body, ['OrderPlaced']),
    logKeys: (event) => ({
      eventId: event.detail.metadata.eventId,
      correlationId: event.detail.metadata.correlationId,
      orderId: event.detail.data.orderId,
    }),
    process: async (event, context) => {
      const result = await start(startSagaCommand(event), context);
      if (result.outcome === 'STARTED') {
        logger.info('order saga started', { executionArn: result.executionArn });
        metrics.addMetric('SagaStarted', MetricUnit.Count, 1);
      } else {
        logger.info('duplicate OrderPlaced delivery: the order saga already exists; nothing started');
        metrics.addMetric('SagaStartDuplicate', MetricUnit.Count, 1);
      }
    },
  });
