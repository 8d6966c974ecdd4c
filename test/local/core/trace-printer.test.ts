import { describe, expect, it } from 'vitest';
import { formatTrace, isShown, readableNames } from '#lib/local/trace-printer';

describe('the live trace of npm start', () => {
  it("tells an order's story by default: API calls, domain events and saga steps", () => {
    expect(isShown({ service: 'api', event: 'POST /orders', outcome: '202 (12 ms)' }, false)).toBe(true);
    expect(isShown({ service: 'eventbridge', event: 'OrderPlaced', outcome: '→ 3 rules' }, false)).toBe(true);
    expect(isShown({ service: 'saga', event: 'ReserveInventory', outcome: 'ok' }, false)).toBe(true);
    expect(isShown({ service: 'sqs:Work', event: 'received', outcome: 'ok' }, false)).toBe(false);
    expect(isShown({ service: 'sqs:Work', event: 'received', outcome: 'dead-lettered' }, false)).toBe(true);
  });

  it('shows alarms going into or out of ALARM, not the quiet INSUFFICIENT_DATA -> OK of a fresh boot', () => {
    const alarm = (outcome: string) => ({ service: 'alarm', event: 'DlqDepth', outcome });
    expect(isShown(alarm('ALARM (was OK)'), false)).toBe(true);
    expect(isShown(alarm('OK (was ALARM)'), false)).toBe(true);
    expect(isShown(alarm('OK (was INSUFFICIENT_DATA)'), false)).toBe(false);
    expect(isShown(alarm('OK (was INSUFFICIENT_DATA)'), true)).toBe(true);
  });

  it('prints one line: time, order, event, service, outcome', () => {
    const line = formatTrace(
      { orderId: 'ef7c0b7b-aaaa', event: 'OrderPlaced', service: 'eventbridge', outcome: '→ 3 rules' },
      new Date('2026-11-22T12:17:38.676Z'),
    );
    expect(line).toMatch(/^12:17:38\.676 {2}order ef7c0b7b {2}OrderPlaced +eventbridge +→ 3 rules$/);
  });

  it('shows generated physical names by their construct name, so columns stay aligned', () => {
    expect(readableNames('OrderflowProcessing-AuthorizePayment6BDED99E-6G8K0HFRV84D')).toBe(
      'AuthorizePayment',
    );
    expect(readableNames('sqs OrderflowProcessing-SagaStarterQueue594B30C9-LH276NIHY7NS')).toBe(
      'sqs SagaStarterQueue',
    );
    expect(readableNames('moved to Test-Ledger-ABCDEFGHIJ12.fifo')).toBe('moved to Ledger.fifo');
    // Names the template sets, and ordinary words, stay as they are.
    expect(readableNames('orders-api POST /orders')).toBe('orders-api POST /orders');
    expect(readableNames('failed: PaymentGatewayTransientError')).toBe(
      'failed: PaymentGatewayTransientError',
    );
  });
});
