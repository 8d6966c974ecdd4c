/** What the live trace shows about a message: the order it concerns and the event it carries, when visible. */
export interface PayloadSummary {
  readonly orderId?: string | undefined;
  readonly eventType?: string | undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

const summarizeObject = (value: Record<string, unknown>, depth: number): PayloadSummary => {
  // An SNS envelope (non-raw delivery): look inside the message.
  if (value.Type === 'Notification' && typeof value.Message === 'string' && depth < 2) {
    return summarizeBody(value.Message, depth + 1);
  }
  const detail = isObject(value.detail) ? value.detail : undefined;
  const data = isObject(detail?.data) ? detail.data : isObject(value.data) ? value.data : undefined;
  const metadata = isObject(detail?.metadata)
    ? detail.metadata
    : isObject(value.metadata)
      ? value.metadata
      : undefined;
  const order = isObject(value.order) ? value.order : undefined;
  return {
    orderId: text(data?.orderId) ?? text(detail?.orderId) ?? text(order?.orderId) ?? text(value.orderId),
    eventType:
      text(value['detail-type']) ??
      text(metadata?.eventType) ??
      text(value.eventType) ??
      text(value.detailType),
  };
};

const summarizeBody = (body: string, depth: number): PayloadSummary => {
  const trimmed = body.trimStart();
  if (!trimmed.startsWith('{')) return {};
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return isObject(parsed) ? summarizeObject(parsed, depth) : {};
  } catch {
    return {};
  }
};

/**
 * Reads the order id and event type out of a message body (an EventBridge event's `detail.data.orderId`, a JSON
 * payload's `order.orderId` / `orderId`, an SNS envelope's message) and its `eventType` message attribute.
 */
export const summarizePayload = (
  body: string,
  attributes?: Readonly<Record<string, { readonly StringValue?: string | undefined }>>,
): PayloadSummary => {
  const summary = summarizeBody(body, 0);
  return {
    orderId: summary.orderId ?? text(attributes?.orderId?.StringValue),
    eventType: text(attributes?.eventType?.StringValue) ?? summary.eventType,
  };
};
