import { eventBridgeClient, requireEnv } from '#shared/adapters/aws-clients';
import { EventBridgePublisher } from '#shared/adapters/eventbridge-publisher';
import type { EventPublisher } from '#shared/ports/event-publisher';

let publisher: EventPublisher | undefined;

/** The saga steps' publisher to the orderflow bus (EVENT_BUS_NAME), created on first use. */
export const busPublisher = (): EventPublisher => {
  publisher ??= new EventBridgePublisher(eventBridgeClient(), requireEnv('EVENT_BUS_NAME'));
  return publisher;
};
