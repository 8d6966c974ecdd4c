/**
 * The Lambda proxy integration of a REST API: the request as the v1 (`1.0`) proxy event, and the function's
 * `{ statusCode, headers, multiValueHeaders, body, isBase64Encoded }` back as the HTTP response.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { APIGatewayEventIdentity, APIGatewayProxyEvent } from 'aws-lambda';

/**
 * The caller every request is attributed to. Each method of the Order API uses AWS_IAM (SigV4) authorization;
 * locally that authorizer is emulated as allowing this one fixed IAM user, whether or not the request is signed
 * (no signature is checked, and no credentials are needed). Its identity fields are what API Gateway puts in
 * `requestContext.identity` for a SigV4 caller: the user's ARN, its unique id (caller, user), an access key id
 * and the account.
 */
export interface LocalIamIdentity {
  readonly accountId: string;
  readonly userArn: string;
  /** The IAM user's unique id, which API Gateway reports as both `caller` and `user`. */
  readonly userId: string;
  readonly accessKey: string;
}

export const localIamIdentity = (accountId: string): LocalIamIdentity => ({
  accountId,
  userArn: `arn:aws:iam::${accountId}:user/orderflow-local`,
  userId: 'AIDAORDERFLOWLOCAL000',
  accessKey: 'AKIAORDERFLOWLOCAL00',
});

/** Does `contentType` match one of the API's binary media types (`image/png`, `image/*`, `*\/*`)? */
export const isBinaryMediaType = (
  contentType: string | undefined,
  binaryMediaTypes: readonly string[],
): boolean => {
  if (!contentType || binaryMediaTypes.length === 0) return false;
  const [type = '', subtype = ''] = (contentType.split(';')[0] ?? '').trim().toLowerCase().split('/');
  return binaryMediaTypes.some((entry) => {
    const [wantType = '', wantSubtype = ''] = entry.trim().toLowerCase().split('/');
    return (wantType === '*' || wantType === type) && (wantSubtype === '*' || wantSubtype === subtype);
  });
};

/** `22/Nov/2026:11:54:00 +0000`, the format of `requestContext.requestTime`. */
export const requestTimeOf = (epochMs: number): string => {
  const date = new Date(epochMs);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (value: number) => String(value).padStart(2, '0');
  return `${two(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
};

/** An id like API Gateway's extended request id (`Tr4GVFgeIAMEZ8A=`). */
export const extendedRequestIdOf = (): string => randomBytes(11).toString('base64');

/** An X-Ray trace header: `Root=1-<epoch hex>-<24 hex>`. */
export const traceIdOf = (epochMs: number): string =>
  `Root=1-${Math.floor(epochMs / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;

/** Header names and values in the order the client sent them (Node's `rawHeaders`). */
export type RawHeaders = readonly string[];

export interface ProxyRequest {
  readonly httpMethod: string;
  /** The path after the stage, still percent-encoded, as REST APIs pass it: `/orders/abc`. */
  readonly path: string;
  /** The raw query string, without `?`. */
  readonly rawQuery: string;
  readonly rawHeaders: RawHeaders;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly protocol: string;
  /** The port the client reached, for X-Forwarded-Port. */
  readonly port: number;
  readonly requestId: string;
  readonly extendedRequestId: string;
  readonly requestTimeEpoch: number;
  /** When the stage traces with X-Ray: the trace header to add if the client sent none. */
  readonly traceId?: string | undefined;
}

export interface ProxyTarget {
  readonly apiId: string;
  readonly accountId: string;
  readonly region: string;
  readonly stage: string;
  readonly stageVariables: Readonly<Record<string, string>>;
  readonly resourceId: string;
  readonly resourcePath: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly binaryMediaTypes: readonly string[];
  /** The caller the (emulated) authorizer admitted. */
  readonly identity: LocalIamIdentity;
}

const nonEmpty = <T>(record: Record<string, T>): Record<string, T> | null =>
  Object.keys(record).length > 0 ? record : null;

/** Header name -> values, names in the case the client first used. */
export const groupHeaders = (rawHeaders: RawHeaders): Map<string, { name: string; values: string[] }> => {
  const grouped = new Map<string, { name: string; values: string[] }>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    const value = rawHeaders[i + 1] ?? '';
    const key = name.toLowerCase();
    const entry = grouped.get(key);
    if (entry) entry.values.push(value);
    else grouped.set(key, { name, values: [value] });
  }
  return grouped;
};

/**
 * The REST API (v1) proxy event for a request. As on AWS: `headers` and `queryStringParameters` hold the last
 * value of each name and the `multiValue*` maps hold them all; empty maps are `null`; the query string is
 * decoded but the path and path parameters are not; a body whose Content-Type is one of the API's binary media
 * types is base64 (`isBase64Encoded`), any other body is passed as UTF-8 text; no body is `null`.
 * API Gateway adds X-Forwarded-For/-Port/-Proto and, when the stage traces, X-Amzn-Trace-Id.
 */
export const buildProxyEvent = (request: ProxyRequest, target: ProxyTarget): APIGatewayProxyEvent => {
  const grouped = groupHeaders(request.rawHeaders);
  const append = (name: string, value: string) => {
    const entry = grouped.get(name.toLowerCase());
    if (entry) entry.values.push(value);
    else grouped.set(name.toLowerCase(), { name, values: [value] });
  };
  const forwardedFor = grouped.get('x-forwarded-for');
  if (forwardedFor) {
    forwardedFor.values = [`${forwardedFor.values.join(', ')}, ${request.sourceIp}`];
  } else append('X-Forwarded-For', request.sourceIp);
  if (!grouped.has('x-forwarded-port')) append('X-Forwarded-Port', String(request.port));
  if (!grouped.has('x-forwarded-proto')) append('X-Forwarded-Proto', 'http');
  if (request.traceId && !grouped.has('x-amzn-trace-id')) append('X-Amzn-Trace-Id', request.traceId);

  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const { name, values } of grouped.values()) {
    headers[name] = values[values.length - 1] ?? '';
    multiValueHeaders[name] = values;
  }

  const queryStringParameters: Record<string, string> = {};
  const multiValueQueryStringParameters: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(request.rawQuery)) {
    queryStringParameters[name] = value;
    multiValueQueryStringParameters[name] = [...(multiValueQueryStringParameters[name] ?? []), value];
  }

  const contentType = grouped.get('content-type')?.values.at(-1);
  const binary = isBinaryMediaType(contentType, target.binaryMediaTypes);
  const body =
    request.body.length === 0
      ? null
      : binary
        ? request.body.toString('base64')
        : request.body.toString('utf8');

  const identity: APIGatewayEventIdentity = {
    cognitoIdentityPoolId: null,
    accountId: target.identity.accountId,
    cognitoIdentityId: null,
    caller: target.identity.userId,
    sourceIp: request.sourceIp,
    principalOrgId: null,
    accessKey: target.identity.accessKey,
    cognitoAuthenticationType: null,
    cognitoAuthenticationProvider: null,
    userArn: target.identity.userArn,
    userAgent: grouped.get('user-agent')?.values.at(-1) ?? null,
    user: target.identity.userId,
    apiKey: null,
    apiKeyId: null,
    clientCert: null,
  };

  return {
    resource: target.resourcePath,
    path: request.path,
    httpMethod: request.httpMethod,
    headers,
    multiValueHeaders,
    queryStringParameters: nonEmpty(queryStringParameters),
    multiValueQueryStringParameters: nonEmpty(multiValueQueryStringParameters),
    pathParameters: nonEmpty({ ...target.pathParameters }),
    stageVariables: nonEmpty({ ...target.stageVariables }),
    requestContext: {
      resourceId: target.resourceId,
      resourcePath: target.resourcePath,
      httpMethod: request.httpMethod,
      extendedRequestId: request.extendedRequestId,
      requestTime: requestTimeOf(request.requestTimeEpoch),
      path: `/${target.stage}${request.path}`,
      accountId: target.accountId,
      protocol: request.protocol,
      stage: target.stage,
      domainPrefix: target.apiId,
      requestTimeEpoch: request.requestTimeEpoch,
      requestId: request.requestId,
      identity,
      domainName: `${target.apiId}.execute-api.${target.region}.amazonaws.com`,
      apiId: target.apiId,
      authorizer: undefined,
    },
    body,
    isBase64Encoded: binary && body !== null,
  };
};

/** The HTTP response a proxy result maps to. Header names keep the function's case. */
export interface MappedResponse {
  readonly status: number;
  readonly headers: Record<string, string[]>;
  readonly body: Buffer;
}

export type ProxyResultMapping =
  | { readonly ok: true; readonly response: MappedResponse }
  | { readonly ok: false; readonly reason: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const headerText = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : undefined;

/**
 * Headers API Gateway does not pass through as the function set them: these are renamed
 * `x-amzn-Remapped-<Name>` (API Gateway writes its own), and Transfer-Encoding is dropped.
 */
const REMAPPED = new Set([
  'authorization',
  'connection',
  'content-length',
  'date',
  'server',
  'www-authenticate',
]);
const DROPPED = new Set(['transfer-encoding']);

/**
 * Maps a function's result to the response, or says why it is malformed (API Gateway then answers 502
 * "Internal server error" and logs "Malformed Lambda proxy response"). The result must be an object with an
 * integer `statusCode` (a numeric string is accepted); `body` a string or absent; `headers` values scalars;
 * `multiValueHeaders` values arrays of scalars; `isBase64Encoded` a boolean. Values of a name in both header
 * maps are merged, each value once. A base64 body is decoded when the request's Accept header names one of the
 * API's binary media types; otherwise the base64 text is returned as it is. A response without Content-Type
 * gets `application/json`.
 */
export const mapProxyResult = (
  payload: unknown,
  options: { readonly accept?: string | undefined; readonly binaryMediaTypes: readonly string[] },
): ProxyResultMapping => {
  if (!isRecord(payload)) return { ok: false, reason: 'the result is not a JSON object' };
  const rawStatus = payload.statusCode;
  const status =
    typeof rawStatus === 'number'
      ? rawStatus
      : typeof rawStatus === 'string' && /^\d+$/.test(rawStatus)
        ? Number(rawStatus)
        : Number.NaN;
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    return { ok: false, reason: 'statusCode is missing or not a valid status code' };
  }
  if (payload.body !== undefined && payload.body !== null && typeof payload.body !== 'string') {
    return { ok: false, reason: 'body must be a string' };
  }
  if (payload.isBase64Encoded !== undefined && typeof payload.isBase64Encoded !== 'boolean') {
    return { ok: false, reason: 'isBase64Encoded must be a boolean' };
  }
  if (payload.headers !== undefined && payload.headers !== null && !isRecord(payload.headers)) {
    return { ok: false, reason: 'headers must be an object' };
  }
  if (
    payload.multiValueHeaders !== undefined &&
    payload.multiValueHeaders !== null &&
    !isRecord(payload.multiValueHeaders)
  ) {
    return { ok: false, reason: 'multiValueHeaders must be an object' };
  }

  const merged = new Map<string, { name: string; values: string[] }>();
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    const entry = merged.get(key);
    if (!entry) merged.set(key, { name, values: [value] });
    else if (!entry.values.includes(value)) entry.values.push(value);
  };
  for (const [name, value] of Object.entries(payload.headers ?? {})) {
    const text = headerText(value);
    if (text === undefined) return { ok: false, reason: `header ${name} is not a string` };
    add(name, text);
  }
  for (const [name, values] of Object.entries(payload.multiValueHeaders ?? {})) {
    if (!Array.isArray(values)) return { ok: false, reason: `multiValueHeaders.${name} is not an array` };
    for (const value of values) {
      const text = headerText(value);
      if (text === undefined) return { ok: false, reason: `multiValueHeaders.${name} holds a non-string` };
      add(name, text);
    }
  }

  const headers: Record<string, string[]> = {};
  for (const [key, { name, values }] of merged) {
    if (DROPPED.has(key)) continue;
    try {
      validateHeaderName(name);
      for (const value of values) validateHeaderValue(name, value);
    } catch {
      return { ok: false, reason: `header ${name} is not a valid HTTP header` };
    }
    headers[REMAPPED.has(key) ? `x-amzn-Remapped-${name}` : name] = values;
  }
  if (!merged.has('content-type')) headers['Content-Type'] = ['application/json'];

  const text = typeof payload.body === 'string' ? payload.body : '';
  const firstAccepted = options.accept?.split(',')[0];
  const body =
    payload.isBase64Encoded === true && isBinaryMediaType(firstAccepted, options.binaryMediaTypes)
      ? Buffer.from(text, 'base64')
      : Buffer.from(text, 'utf8');
  return { ok: true, response: { status, headers, body } };
};

export { randomUUID as newRequestId };
