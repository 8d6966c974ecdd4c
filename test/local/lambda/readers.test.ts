/** What the engine reads out of function output (EMF metrics) and out of events (the live trace). */
import { describe, expect, it } from 'vitest';
import { parseEmfLine } from '#lib/local/lambda/emf';
import { describeEvent, orderIdsOf } from '#lib/local/lambda/trace-info';

describe('EMF log lines', () => {
  it('become one data point per metric value and dimension set', () => {
    const line = JSON.stringify({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: 'orderflow',
            Dimensions: [['service'], ['service', 'outcome']],
            Metrics: [{ Name: 'ReserveInventory', Unit: 'Count' }, { Name: 'Latency' }],
          },
        ],
      },
      service: 'inventory',
      outcome: 'RESERVED',
      ReserveInventory: 1,
      Latency: [12, 15],
    });
    expect(parseEmfLine(line)).toEqual([
      {
        namespace: 'orderflow',
        metricName: 'ReserveInventory',
        dimensions: { service: 'inventory' },
        value: 1,
        unit: 'Count',
        timestamp: 1_700_000_000_000,
      },
      {
        namespace: 'orderflow',
        metricName: 'ReserveInventory',
        dimensions: { service: 'inventory', outcome: 'RESERVED' },
        value: 1,
        unit: 'Count',
        timestamp: 1_700_000_000_000,
      },
      ...[{ service: 'inventory' }, { service: 'inventory', outcome: 'RESERVED' }].flatMap((dimensions) =>
        [12, 15].map((value) => ({
          namespace: 'orderflow',
          metricName: 'Latency',
          dimensions,
          value,
          unit: undefined,
          timestamp: 1_700_000_000_000,
        })),
      ),
    ]);
  });

  it('ignores ordinary lines, broken JSON, and dimension sets whose values are missing', () => {
    expect(parseEmfLine('{"level":"INFO","message":"hello"}')).toEqual([]);
    expect(parseEmfLine('{"_aws": {')).toEqual([]);
    const missingDimension = JSON.stringify({
      _aws: { CloudWatchMetrics: [{ Namespace: 'n', Dimensions: [['service']], Metrics: [{ Name: 'M' }] }] },
      M: 1,
    });
    expect(parseEmfLine(missingDimension)).toEqual([]);
    // A line prefixed as Lambda's console.log prefixes it still counts.
    const prefixed = `2026-01-01T00:00:00.000Z\tid\tINFO\t${JSON.stringify({
      _aws: { CloudWatchMetrics: [{ Namespace: 'n', Dimensions: [], Metrics: [{ Name: 'M' }] }] },
      M: 2,
    })}`;
    expect(parseEmfLine(prefixed, 5)).toEqual([
      { namespace: 'n', metricName: 'M', dimensions: {}, value: 2, unit: undefined, timestamp: 5 },
    ]);
  });
});

describe('the live trace reads events', () => {
  const eventBridgeEvent = (orderId: string) => ({
    'detail-type': 'OrderPlaced',
    detail: { metadata: { correlationId: 'c' }, data: { orderId } },
  });

  it('SQS bodies (EventBridge events, possibly inside an SNS envelope)', () => {
    const payload = {
      Records: [
        {
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:0:q',
          body: JSON.stringify(eventBridgeEvent('o-1')),
        },
        {
          eventSource: 'aws:sqs',
          body: JSON.stringify({ Type: 'Notification', Message: JSON.stringify(eventBridgeEvent('o-2')) }),
        },
        { eventSource: 'aws:sqs', body: 'not json' },
      ],
    };
    expect(describeEvent(payload)).toBe('OrderPlaced');
    expect(orderIdsOf(payload)).toEqual(['o-1', 'o-2']);
    expect(
      describeEvent({
        Records: [{ eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:0:q', body: 'x' }],
      }),
    ).toBe('sqs q');
  });

  it('stream records of outbox items, saga states, API requests', () => {
    const outbox = {
      Records: [
        {
          eventSource: 'aws:dynamodb',
          eventName: 'INSERT',
          dynamodb: {
            NewImage: {
              pk: { S: 'OUTBOX#1' },
              detailType: { S: 'OrderConfirmed' },
              detail: { S: JSON.stringify({ data: { orderId: 'o-3' } }) },
            },
          },
        },
      ],
    };
    expect(describeEvent(outbox)).toBe('OrderConfirmed');
    expect(orderIdsOf(outbox)).toEqual(['o-3']);
    expect(
      describeEvent({ Records: [{ eventSource: 'aws:dynamodb', eventName: 'MODIFY', dynamodb: {} }] }),
    ).toBe('stream MODIFY');
    expect(orderIdsOf({ order: { orderId: 'o-4' }, reservation: {} })).toEqual(['o-4']);
    expect(
      describeEvent({ httpMethod: 'GET', path: '/orders/o-5', pathParameters: { orderId: 'o-5' } }),
    ).toBe('GET /orders/o-5');
    expect(orderIdsOf({ httpMethod: 'GET', pathParameters: { orderId: 'o-5' } })).toEqual(['o-5']);
    expect(describeEvent({ reset: true })).toBe('invoke');
  });
});
