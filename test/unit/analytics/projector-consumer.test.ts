import { describe, expect, it } from 'vitest';
import { makeProjectorConsumer } from '#functions/analytics/projector-consumer';
import { sqsRecord } from '../../fixtures/eventbridge.ts';
import { lambdaContext } from '../../fixtures/lambda-context.ts';
import { InMemoryReadModelStore } from './in-memory-read-model-store.ts';
import { delivered, orderConfirmed, orderPlaced } from './order-events.ts';

describe('projector consumer', () => {
  it('fails a malformed record alone in its batch and applies its neighbours', async () => {
    // Prepare
    const store = new InMemoryReadModelStore();
    const consume = makeProjectorConsumer({ store });
    const malformed = delivered(orderConfirmed({ orderId: 'order-2' }));
    malformed.body = malformed.body.replace('"sequence":2', '"sequence":"two"');
    const records = [delivered(orderPlaced()), malformed, delivered(orderPlaced({ orderId: 'order-3' }))];

    // Act
    const response = await consume({ Records: records }, lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: malformed.messageId }]);
    expect(store.summary('order-2')).toBeUndefined();
    expect(store.statsOf('PENDING')).toEqual({ orders: 2, revenue: 8_500 });
  });

  it('fails an event it does not project, such as OrderShipped, alone in its batch', async () => {
    // Prepare
    const store = new InMemoryReadModelStore();
    const consume = makeProjectorConsumer({ store });
    const placed = delivered(orderPlaced());
    const shipped = sqsRecord({
      ...JSON.parse(placed.body),
      'detail-type': 'OrderShipped',
      source: 'orderflow.shipping',
    });

    // Act
    const response = await consume({ Records: [placed, shipped] }, lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: shipped.messageId }]);
    expect(store.statsOf('PENDING')).toEqual({ orders: 1, revenue: 4_250 });
  });
});
