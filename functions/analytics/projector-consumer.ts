import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { parseDeliveredEvent } from '#shared/events/envelope';
import { makeSqsConsumer } from '#shared/handlers/sqs-consumer';
import { logger, metrics } from '#shared/powertools/index';
import { PROJECTED_EVENT_TYPES, type ProjectedEvent } from './domain/order-projection.ts';
import type { ReadModelStore } from './ports.ts';
import { makeProjectOrderEvent } from './project-order-event.ts';

export interface ProjectorPorts {
  readonly store: ReadModelStore;
}

/**
 * The projector's SQS consumer. It needs no idempotency record: the sequence guard makes a duplicate,
 * a replay and a late event all no-ops.
 */
export const makeProjectorConsumer = ({ store }: ProjectorPorts) => {
  const projectOrderEvent = makeProjectOrderEvent({ store });
  return makeSqsConsumer<ProjectedEvent>({
    parse: (record) => parseDeliveredEvent(record.body, PROJECTED_EVENT_TYPES) as ProjectedEvent,
    logKeys: (event) => ({
      eventId: event.detail.metadata.eventId,
      eventType: event.detailType,
      orderId: event.detail.data.orderId,
      correlationId: event.detail.metadata.correlationId,
    }),
    process: async (event) => {
      const outcome = await projectOrderEvent(event);
      if (outcome === 'ignored') {
        logger.info('event is not newer than the projection; ignored', {
          sequence: event.detail.data.sequence,
        });
      }
      metrics.addMetric(
        outcome === 'applied' ? 'ProjectionApplied' : 'ProjectionIgnored',
        MetricUnit.Count,
        1,
      );
    },
  });
};
