import type { Context, SQSEvent } from 'aws-lambda';
import { documentClient, requireEnv } from '#shared/adapters/aws-clients';
import { instrument } from '#shared/handlers/instrument';
import { systemClock } from '#shared/ports/clock';
import { ReadModelNotificationRecorder } from './adapters/read-model-notification-recorder.ts';
import type { Channel } from './domain/notification.ts';
import { makeSenderConsumer } from './sender-consumer.ts';

/**
 * The Lambda handler of one channel's sender, with the default provider (the ReadModel recorder).
 * To deliver for real, swap the provider here for an SES, SNS SMS or vendor adapter.
 */
export const senderHandler = (channel: Channel) => {
  let consume: ReturnType<typeof makeSenderConsumer> | undefined;
  return instrument((event: SQSEvent, context: Context) => {
    consume ??= makeSenderConsumer({
      channel,
      provider: new ReadModelNotificationRecorder(
        documentClient(),
        requireEnv('READ_MODEL_TABLE'),
        systemClock,
      ),
    });
    return consume(event, context);
  });
};
