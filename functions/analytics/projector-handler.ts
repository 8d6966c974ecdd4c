import type { Context, SQSEvent } from 'aws-lambda';
import { documentClient, requireEnv } from '#shared/adapters/aws-clients';
import { instrument } from '#shared/handlers/instrument';
import { DynamoDbReadModelStore } from './adapters/dynamodb-read-model-store.ts';
import { makeProjectorConsumer } from './projector-consumer.ts';

let consume: ReturnType<typeof makeProjectorConsumer> | undefined;

/** Projector: order events from the analytics queue -> ReadModel order summaries and per-status stats. */
export const handler = instrument((event: SQSEvent, context: Context) => {
  consume ??= makeProjectorConsumer({
    store: new DynamoDbReadModelStore(documentClient(), requireEnv('READ_MODEL_TABLE')),
  });
  return consume(event, context);
});
