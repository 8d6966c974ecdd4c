/**
 * The responses API Gateway itself sends (no route, throttled, integration failed ...), with their default
 * status codes and `{"message": ...}` bodies, as customized by the template's AWS::ApiGateway::GatewayResponse
 * resources (status code, static headers, `application/json` template).
 */
import type { GatewayResponseConfig } from './model.ts';

/** The gateway responses the local API can produce. */
export type GatewayResponseKind =
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'THROTTLED'
  | 'BAD_REQUEST_PARAMETERS'
  | 'REQUEST_TOO_LARGE'
  | 'INTEGRATION_TIMEOUT'
  | 'API_CONFIGURATION_ERROR'
  /** The function failed or returned a malformed proxy response: 502, customized by DEFAULT_5XX. */
  | 'LAMBDA_FUNCTION_ERROR'
  /** Lambda refused the invocation: 500, customized by DEFAULT_5XX. */
  | 'LAMBDA_INVOKE_ERROR';

interface Default {
  readonly status: number;
  readonly message: string;
  readonly errorType: string;
  /** The customizable response type whose settings apply (undefined: only DEFAULT_4XX / DEFAULT_5XX). */
  readonly responseType?: string;
}

const DEFAULTS: Readonly<Record<GatewayResponseKind, Default>> = {
  MISSING_AUTHENTICATION_TOKEN: {
    status: 403,
    message: 'Missing Authentication Token',
    errorType: 'MissingAuthenticationTokenException',
    responseType: 'MISSING_AUTHENTICATION_TOKEN',
  },
  THROTTLED: {
    status: 429,
    message: 'Too Many Requests',
    errorType: 'TooManyRequestsException',
    responseType: 'THROTTLED',
  },
  BAD_REQUEST_PARAMETERS: {
    status: 400,
    message: 'Missing required request parameters',
    errorType: 'BadRequestException',
    responseType: 'BAD_REQUEST_PARAMETERS',
  },
  REQUEST_TOO_LARGE: {
    status: 413,
    message: 'Request Too Long',
    errorType: 'RequestTooLargeException',
    responseType: 'REQUEST_TOO_LARGE',
  },
  INTEGRATION_TIMEOUT: {
    status: 504,
    message: 'Endpoint request timed out',
    errorType: 'InternalServerErrorException',
    responseType: 'INTEGRATION_TIMEOUT',
  },
  API_CONFIGURATION_ERROR: {
    status: 500,
    message: 'Internal server error',
    errorType: 'InternalServerErrorException',
    responseType: 'API_CONFIGURATION_ERROR',
  },
  LAMBDA_FUNCTION_ERROR: {
    status: 502,
    message: 'Internal server error',
    errorType: 'InternalServerErrorException',
  },
  LAMBDA_INVOKE_ERROR: {
    status: 500,
    message: 'Internal server error',
    errorType: 'InternalServerErrorException',
  },
};

const DEFAULT_TEMPLATE = '{"message":$context.error.messageString}';

export interface GatewayResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The response type, for `$context.error.responseType` and logs. */
  readonly responseType: string;
}

/** What `$context.*` in a gateway response template or header mapping can read. */
export interface GatewayResponseContext {
  readonly requestId: string;
  readonly extendedRequestId: string;
  readonly apiId: string;
  readonly stage: string;
  readonly resourcePath: string;
  readonly httpMethod: string;
  /** Request headers by lower-case name, for `method.request.header.<Name>` mappings. */
  readonly requestHeader: (name: string) => string | undefined;
}

const contextValue = (
  path: string,
  error: { message: string; responseType: string },
  context: GatewayResponseContext,
) => {
  switch (path) {
    case 'error.messageString':
      return JSON.stringify(error.message);
    case 'error.message':
      return error.message;
    case 'error.responseType':
      return error.responseType;
    case 'requestId':
      return context.requestId;
    case 'extendedRequestId':
      return context.extendedRequestId;
    case 'apiId':
      return context.apiId;
    case 'stage':
      return context.stage;
    case 'resourcePath':
      return context.resourcePath;
    case 'httpMethod':
      return context.httpMethod;
    default:
      return '';
  }
};

/** Renders the `$context.x` and `${context.x}` references of a template; other VTL is left as written. */
const render = (
  template: string,
  error: { message: string; responseType: string },
  context: GatewayResponseContext,
): string =>
  template.replace(
    /\$\{context\.([A-Za-z.]+)\}|\$context\.([A-Za-z]+(?:\.[A-Za-z]+)*)/g,
    (_match, braced, bare) => contextValue(String(braced ?? bare), error, context),
  );

/** A header mapping value: `'static'`, or `method.request.header.<Name>`; anything else is not evaluated. */
const headerValue = (mapping: string, context: GatewayResponseContext): string | undefined => {
  if (mapping.length >= 2 && mapping.startsWith("'") && mapping.endsWith("'")) return mapping.slice(1, -1);
  const header = /^method\.request\.header\.(.+)$/.exec(mapping)?.[1];
  return header ? context.requestHeader(header.toLowerCase()) : undefined;
};

/**
 * The gateway response of `kind`, customized by the API's GatewayResponse resources: the type's own, else
 * DEFAULT_4XX or DEFAULT_5XX by status class. A DEFAULT_4XX/5XX status code changes every response of its class.
 */
export const gatewayResponse = (
  kind: GatewayResponseKind,
  customized: ReadonlyMap<string, GatewayResponseConfig>,
  context: GatewayResponseContext,
  message?: string,
): GatewayResponse => {
  const base = DEFAULTS[kind];
  const fallbackType = base.status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX';
  const own = base.responseType ? customized.get(base.responseType) : undefined;
  const fallback = customized.get(fallbackType);
  const responseType = base.responseType ?? fallbackType;
  const error = { message: message ?? base.message, responseType };
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amzn-ErrorType': base.errorType,
  };
  for (const [key, mapping] of Object.entries({
    ...fallback?.responseParameters,
    ...own?.responseParameters,
  })) {
    const name = /^gatewayresponse\.header\.(.+)$/.exec(key)?.[1];
    const value = name ? headerValue(mapping, context) : undefined;
    if (name && value !== undefined) headers[name] = value;
  }
  const template =
    own?.responseTemplates['application/json'] ??
    fallback?.responseTemplates['application/json'] ??
    DEFAULT_TEMPLATE;
  return {
    status: own?.statusCode ?? fallback?.statusCode ?? base.status,
    headers,
    body: render(template, error, context),
    responseType,
  };
};
