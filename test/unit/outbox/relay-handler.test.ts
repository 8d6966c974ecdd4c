import { describe, expect, it } from 'vitest';
import { makeRelayHandler } from '#functions/outbox/relay-handler';
import { makeRelayOutbox } from '#functions/outbox/relay-outbox';
import { FixedClock } from '../../fixtures/clock.ts';
import { lambdaContext } from '../../fixtures/lambda-context.ts';
import { NOW, outboxItem, streamRecord } from './builders.ts';
import { InMemoryLedger, RecordingBus } from './fakes.ts';

describe('the outbox relay handler', () => {
  const setup = () => {
    const bus = new RecordingBus();
    const handler = makeRelayHandler(() =>
      makeRelayOutbox({ bus, ledger: new InMemoryLedger(), clock: new FixedClock(NOW) }),
    );
    return { bus, handler };
  };

  it('publishes the events of outbox INSERTs and skips every other stream record', async () => {
    // Prepare
    const { bus, handler } = setup();
    const event = {
      Records: [
        streamRecord('100', outboxItem('e-1')),
        streamRecord('101', { pk: 'ORDER#order-1', status: 'PENDING' }),
        streamRecord('102', outboxItem('e-2'), 'MODIFY'),
        streamRecord('103', outboxItem('e-3')),
      ],
    };

    // Act
    const response = await handler(event, lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(bus.published.map((published) => published.detail.metadata.eventId)).toEqual(['e-1', 'e-3']);
  });

  it('names refused and malformed records by SequenceNumber in batchItemFailures', async () => {
    // Prepare
    const { bus, handler } = setup();
    bus.refuse.add('e-3');
    const event = {
      Records: [
        streamRecord('200', outboxItem('e-1')),
        streamRecord('201', { ...outboxItem('e-2'), detailType: 'OrderTeleported' }),
        streamRecord('202', outboxItem('e-3')),
      ],
    };

    // Act
    const response = await handler(event, lambdaContext());

    // Assess
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual([
      '201',
      '202',
    ]);
    expect(bus.published.map((published) => published.detail.metadata.eventId)).toEqual(['e-1']);
  });
});
