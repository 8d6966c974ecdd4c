/**
 * Helpers for answering in the AWS wire protocols the SDKs and the CLI speak:
 * awsJson1_0/1_1 (X-Amz-Target + JSON), awsQuery (form-encoded Action + XML) and restJson1.
 */
import { randomUUID } from 'node:crypto';
import type { EdgeRequest, EdgeResponse } from './types.ts';

/** An AWS API error: its code (the `__type` / `<Code>`), HTTP status and message. */
export class AwsApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly senderFault = true,
  ) {
    super(message);
    this.name = code;
  }
}

export const requestId = (): string => randomUUID();

/** The operation of an awsJson request: `DynamoDB_20120810.PutItem` -> `PutItem`. */
export const jsonOperation = (request: EdgeRequest): string => request.target?.split('.').pop() ?? '';

export const parseJsonBody = (request: EdgeRequest): Record<string, unknown> => {
  if (request.body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(request.body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new AwsApiError('SerializationException', 'the request body must be a JSON object');
    }
    return parsed as Record<string, unknown>;
  } catch (error) {
    if (error instanceof AwsApiError) throw error;
    throw new AwsApiError('SerializationException', 'the request body is not valid JSON');
  }
};

/** A successful awsJson response. `version` is `1.0` or `1.1`, as the service defines. */
export const jsonResponse = (body: unknown, version: '1.0' | '1.1' = '1.0', status = 200): EdgeResponse => ({
  status,
  headers: { 'content-type': `application/x-amz-json-${version}`, 'x-amzn-requestid': requestId() },
  body: JSON.stringify(body ?? {}),
});

/** An awsJson (and restJson) error response, which the SDKs read from `__type` and `x-amzn-errortype`. */
export const jsonError = (error: AwsApiError, version: '1.0' | '1.1' = '1.0'): EdgeResponse => ({
  status: error.status,
  headers: {
    'content-type': `application/x-amz-json-${version}`,
    'x-amzn-requestid': requestId(),
    'x-amzn-errortype': error.code,
  },
  body: JSON.stringify({ __type: error.code, message: error.message, Message: error.message }),
});

/** Runs an awsJson operation and turns thrown errors into AWS error responses. */
export const serveJson = async (
  version: '1.0' | '1.1',
  run: () => Promise<unknown>,
): Promise<EdgeResponse> => {
  try {
    return jsonResponse(await run(), version);
  } catch (error) {
    if (error instanceof AwsApiError) return jsonError(error, version);
    return jsonError(
      new AwsApiError('InternalFailure', error instanceof Error ? error.message : String(error), 500, false),
      version,
    );
  }
};

/** The form parameters of an awsQuery request (POST body, or the query string of a GET). */
export const queryParameters = (request: EdgeRequest): URLSearchParams =>
  request.method === 'GET' ? request.query : new URLSearchParams(request.body.toString('utf8'));

export const xmlEscape = (value: string): string =>
  value.replace(/[<>&'"]/g, (char) =>
    char === '<'
      ? '&lt;'
      : char === '>'
        ? '&gt;'
        : char === '&'
          ? '&amp;'
          : char === "'"
            ? '&apos;'
            : '&quot;',
  );

/** An awsQuery error response. */
export const queryError = (error: AwsApiError, xmlns: string): EdgeResponse => ({
  status: error.status,
  headers: { 'content-type': 'text/xml' },
  body: `<ErrorResponse xmlns="${xmlns}"><Error><Type>${error.senderFault ? 'Sender' : 'Receiver'}</Type><Code>${xmlEscape(error.code)}</Code><Message>${xmlEscape(error.message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`,
});

/** The SigV4 credential scope's service: `Credential=AKID/20261122/us-east-1/sqs/aws4_request` -> `sqs`. */
export const signingServiceOf = (authorization: string | undefined): string | undefined =>
  /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(authorization ?? '')?.[1];

export const arn = (service: string, resource: string, region: string, accountId: string): string =>
  `arn:aws:${service}:${region}:${accountId}:${resource}`;
