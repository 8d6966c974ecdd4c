import { describe, expect, it } from 'vitest';
import { physicalName } from '#lib/local/template/physical-name';

describe('the names CloudFormation gives resources the template does not name', () => {
  it('are <stack>-<logicalId>-<12-character suffix>, the same on every boot and different per resource', () => {
    const name = physicalName('OrderflowStateful', 'OrdersA9B65338', { maxLength: 255 });
    expect(name).toMatch(/^OrderflowStateful-OrdersA9B65338-[A-Z0-9]{12}$/);
    expect(physicalName('OrderflowStateful', 'OrdersA9B65338', { maxLength: 255 })).toBe(name);
    expect(physicalName('OrderflowStateful', 'Payments130453D3', { maxLength: 255 })).not.toBe(name);
  });

  it("fit the service's limit by shortening the stack and logical id, never the suffix or the ending", () => {
    const name = physicalName('S'.repeat(80), 'L'.repeat(80), { maxLength: 80, ending: '.fifo' });
    expect(name).toHaveLength(80);
    expect(name).toMatch(/^S+-[A-Z0-9]{12}\.fifo$/);
  });

  it('replace the characters a service refuses', () => {
    expect(physicalName('Stack', 'Queue.One', { maxLength: 80 })).toMatch(/^Stack-Queue-One-/);
    expect(physicalName('Stack', 'Table.One', { maxLength: 255, disallowed: /[^A-Za-z0-9_.-]/g })).toMatch(
      /^Stack-Table\.One-/,
    );
  });
});
