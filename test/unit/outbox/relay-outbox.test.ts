import { beforeEach, describe, expect, it } from 'vitest';
import { makeRelayOutbox, type OutboxRecord, type RelayOutbox } from '#functions/outbox/relay-outbox';
import { FixedClock } from '../../fixtures/clock.ts';
import { NOW, outboxItem } from './builders.ts';
import { InMemoryLedger, RecordingBus } from './fakes.ts';

const records = (count: number, from = 1): OutboxRecord[] =>
  Array.from({ length: count }, (_, index) => ({
    id: `seq-${from + index}`,
    item: outboxItem(`e-${from + index}`),
  }));

describe('relaying the outbox', () => {
  let bus: RecordingBus;
  let ledger: InMemoryLedger;
  let relay: RelayOutbox;

  beforeEach(() => {
    bus = new RecordingBus();
    ledger = new InMemoryLedger();
    relay = makeRelayOutbox({ bus, ledger, clock: new FixedClock(NOW) });
  });

  it('publishes in PutEvents batches of at most 10', async () => {
    // Act
    const report = await relay(records(23));

    // Assess
    expect(bus.calls.map((call) => call.length)).toEqual([10, 10, 3]);
    expect(report).toMatchObject({ failed: [], published: 23 });
  });

  it('reports exactly the records whose entries PutEvents refused', async () => {
    // Prepare
    bus.refuse.add('e-2');
    bus.refuse.add('e-12');

    // Act
    const report = await relay(records(12));

    // Assess
    expect(report.failed.map((problem) => problem.id)).toEqual(['seq-2', 'seq-12']);
    expect(report.published).toBe(10);
  });

  it('records relayed events in the ledger for a week, and not the refused ones', async () => {
    // Prepare
    bus.refuse.add('e-2');

    // Act
    await relay(records(3));

    // Assess
    expect([...ledger.entries.keys()]).toEqual(['e-1', 'e-3']);
    expect(ledger.entries.get('e-1')).toEqual(new Date(NOW.getTime() + 7 * 24 * 3600 * 1000));
  });

  it('does not publish again the events a retried batch already relayed', async () => {
    // Prepare
    bus.refuse.add('e-2');
    await relay(records(3));
    bus.refuse.clear();

    // Act: the stream retries the batch from the failed record on.
    const report = await relay(records(2, 2));

    // Assess
    expect(bus.calls.map((call) => call.map((event) => event.detail.metadata.eventId))).toEqual([
      ['e-1', 'e-2', 'e-3'],
      ['e-2'],
    ]);
    expect(report).toMatchObject({ failed: [], published: 1, alreadyRelayed: 1 });
  });

  it('fails a malformed record alone and publishes its neighbours', async () => {
    // Prepare
    const batch = records(3);
    const broken = { ...outboxItem('e-bad'), detail: '{"metadata":' };

    // Act
    const report = await relay([...batch.slice(0, 1), { id: 'seq-bad', item: broken }, ...batch.slice(1)]);

    // Assess
    expect(report.failed).toEqual([{ id: 'seq-bad', reason: 'detail is not JSON' }]);
    expect(bus.published.map((event) => event.detail.metadata.eventId)).toEqual(['e-1', 'e-2', 'e-3']);
  });

  it('fails an outbox item whose event breaks the contract, so the bus never carries it', async () => {
    // Prepare
    const item = outboxItem('e-1');
    const detail = JSON.parse(item.detail) as { data: Record<string, unknown> };
    detail.data.total = -5;

    // Act
    const report = await relay([{ id: 'seq-1', item: { ...item, detail: JSON.stringify(detail) } }]);

    // Assess
    expect(report.failed.map((problem) => problem.id)).toEqual(['seq-1']);
    expect(bus.calls).toHaveLength(0);
  });

  it('fails only the batch whose PutEvents call failed outright', async () => {
    // Prepare
    bus.failWholeCalls = 1;

    // Act
    const report = await relay(records(12));

    // Assess
    expect(report.failed.map((problem) => problem.id)).toEqual(records(10).map((record) => record.id));
    expect(bus.published.map((event) => event.detail.metadata.eventId)).toEqual(['e-11', 'e-12']);
  });
});
