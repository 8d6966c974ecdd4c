import type { TraceEvent } from './core/types.ts';

const SERVICES_SHOWN = new Set(['api', 'eventbridge', 'saga']);

/**
 * Whether the live trace shows an event. By default it tells an order's story: API calls, domain events, saga
 * steps, alarms going into or out of ALARM, and anything that failed or was dead-lettered or redriven. `verbose` shows every event.
 */
export const isShown = (event: TraceEvent, verbose: boolean): boolean =>
  verbose ||
  (event.service === 'alarm'
    ? // Into or out of ALARM; not the dozens of INSUFFICIENT_DATA -> OK of a fresh boot.
      /\bALARM\b/.test(event.outcome)
    : SERVICES_SHOWN.has(event.service) || /fail|dead|redriv|timed out|throttl|error/i.test(event.outcome));

const pad = (text: string, width: number): string =>
  text.length >= width ? text : text + ' '.repeat(width - text.length);

/** One readable line: time, order, event, service, outcome. */
export const formatTrace = (event: TraceEvent, now = new Date()): string => {
  const time = now.toISOString().slice(11, 23);
  const order = event.orderId ? `order ${event.orderId.slice(0, 8)}` : '';
  return `${time}  ${pad(order, 14)}  ${pad(event.event, 28)}  ${pad(event.service, 22)}  ${event.outcome}`;
};
