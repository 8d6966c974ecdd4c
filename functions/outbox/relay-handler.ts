/**
 * Outbox relay: the Orders table stream (INSERTs of OUTBOX# items) -> EventBridge.
 * It batches PutEvents across records instead of going one record at a time through a batch processor,
 * and reports partial batch failures by SequenceNumber so only the refused records are retried.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { documentClient, eventBridgeClient, requireEnv } from '#shared/adapters/aws-clients';
import { instrument } from '#shared/handlers/instrument';
import { systemClock } from '#shared/ports/clock';
import { logger, metrics } from '#shared/powertools/index';
import { DynamoRelayLedger } from './adapters/dynamo-relay-ledger.ts';
import { EventBridgeBus } from './adapters/eventbridge-bus.ts';
import { OUTBOX_PREFIX } from './outbox-item.ts';
import { makeRelayOutbox, type OutboxRecord, type RelayOutbox } from './relay-outbox.ts';

type Selection =
  | { kind: 'relay'; record: OutboxRecord }
  | { kind: 'skip'; why: string }
  | { kind: 'malformed'; id: string; why: string };

/** The event source mapping already filters to outbox INSERTs; this guards against a filter that drifted. */
const select = (record: DynamoDBRecord): Selection => {
  const id = record.dynamodb?.SequenceNumber;
  if (record.eventName !== 'INSERT') return { kind: 'skip', why: `${record.eventName} is not an INSERT` };
  const image = record.dynamodb?.NewImage;
  const pk = image?.pk?.S;
  if (!pk?.startsWith(OUTBOX_PREFIX))
    return { kind: 'skip', why: `${pk ?? 'an item without pk'} is not an outbox item` };
  if (!id) return { kind: 'skip', why: 'record without SequenceNumber' };
  try {
    // aws-lambda's AttributeValue and the SDK's describe the same wire shape.
    return { kind: 'relay', record: { id, item: unmarshall(image as Record<string, AttributeValue>) } };
  } catch (error) {
    return { kind: 'malformed', id, why: `NewImage cannot be unmarshalled: ${(error as Error).message}` };
  }
};

export const makeRelayHandler = (resolve: () => RelayOutbox) =>
  instrument(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const toRelay: OutboxRecord[] = [];
    const malformed: { id: string; why: string }[] = [];
    for (const record of event.Records ?? []) {
      const selection = select(record);
      if (selection.kind === 'relay') toRelay.push(selection.record);
      else if (selection.kind === 'malformed') malformed.push(selection);
      else logger.warn('stream record skipped', { eventID: record.eventID, why: selection.why });
    }

    const report = await resolve()(toRelay);

    for (const problem of malformed)
      logger.error('outbox record is malformed', { sequenceNumber: problem.id, why: problem.why });
    for (const problem of report.failed) {
      logger.error('outbox record not relayed; it will be retried', {
        sequenceNumber: problem.id,
        eventId: problem.eventId,
        reason: problem.reason,
      });
    }
    if (report.ledgerError !== undefined) {
      logger.warn(
        'published events could not be recorded in the relay ledger; a retry may publish them again',
        {
          error: report.ledgerError as Error,
        },
      );
    }
    metrics.addMetric('OutboxEventsRelayed', MetricUnit.Count, report.published);
    metrics.addMetric('OutboxRelayFailures', MetricUnit.Count, report.failed.length + malformed.length);
    logger.info('outbox batch relayed', {
      records: event.Records?.length ?? 0,
      published: report.published,
      alreadyRelayed: report.alreadyRelayed,
      failed: report.failed.length + malformed.length,
    });

    return {
      batchItemFailures: [
        ...malformed.map((problem) => problem.id),
        ...report.failed.map((problem) => problem.id),
      ].map((itemIdentifier) => ({ itemIdentifier })),
    };
  });

let wired: RelayOutbox | undefined;

const wire = (): RelayOutbox => {
  wired ??= makeRelayOutbox({
    bus: new EventBridgeBus(eventBridgeClient(), requireEnv('EVENT_BUS_NAME')),
    ledger: new DynamoRelayLedger(documentClient(), requireEnv('IDEMPOTENCY_TABLE')),
    clock: systemClock,
  });
  return wired;
};

export const handler = makeRelayHandler(wire);
