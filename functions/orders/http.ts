/** HTTP helpers of the Order API edge: JSON responses, headers and the caller's identity. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

export type Headers = Record<string, string>;

export const json = (statusCode: number, body: unknown, headers: Headers = {}): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(body),
});

/** HTTP header names are case-insensitive; API Gateway passes them as the client sent them. */
export const header = (event: APIGatewayProxyEvent, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
};

const SAFE_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id that follows this request through every event and log line: the caller's X-Correlation-Id
 * when it is safe to log and fits the event metadata, else the API Gateway request id.
 */
export const correlationIdOf = (event: APIGatewayProxyEvent, fallback: string): string => {
  const sent = header(event, 'x-correlation-id');
  if (sent !== undefined && SAFE_CORRELATION_ID.test(sent)) return sent;
  return requestIdOf(event, fallback);
};

export const requestIdOf = (event: APIGatewayProxyEvent, fallback: string): string =>
  event.requestContext?.requestId || fallback;

/** Whose Idempotency-Keys these are: keys only need to be unique per caller. */
export const callerScopeOf = (event: APIGatewayProxyEvent): string => {
  const identity = event.requestContext?.identity;
  return identity?.cognitoIdentityId || identity?.userArn || identity?.caller || 'anonymous';
};

/** The request body as text, decoding it when API Gateway passed it base64-encoded. */
export const bodyText = (event: APIGatewayProxyEvent): string | null => {
  if (event.body === null || event.body === undefined) return null;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
};
