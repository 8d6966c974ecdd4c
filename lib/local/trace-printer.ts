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

/**
 * Generated physical names (`OrderflowProcessing-AuthorizePayment6BDED99E-6G8K0HFRV84D`) shown by the construct
 * name they come from (`AuthorizePayment`): the stack, CDK's 8-character hash and CloudFormation's suffix only
 * make lines overflow. The engines and APIs keep the full names; this is display only.
 */
const GENERATED_NAME = /\b[A-Z][A-Za-z0-9]*-([A-Za-z][A-Za-z0-9]*?)(?:[0-9A-F]{8})?-[A-Z0-9]{12}(\.fifo)?\b/g;
export const readableNames = (text: string): string => text.replace(GENERATED_NAME, '$1$2');

/** One readable line: time, order, event, service, outcome. */
export const formatTrace = (event: TraceEvent, now = new Date()): string => {
  const time = now.toISOString().slice(11, 23);
  const order = event.orderId ? `order ${event.orderId.slice(0, 8)}` : '';
  const what = readableNames(event.event);
  const where = readableNames(event.service);
  return `${time}  ${pad(order, 14)}  ${pad(what, 28)}  ${pad(where, 22)}  ${readableNames(event.outcome)}`;
};
