/**
 * The Lambda API on the edge endpoint (restJson1, SigV4 service `lambda`): Invoke (RequestResponse, Event,
 * DryRun), ListFunctions, GetFunction, GetFunctionConfiguration, GetFunctionConcurrency,
 * ListEventSourceMappings and GetEventSourceMapping, with Lambda's errors (ResourceNotFoundException ...).
 */
import { AwsApiError, requestId } from '#lib/local/core/aws-protocol';
import type { EdgeRequest, EdgeResponse, ServiceHandler } from '#lib/local/core/types';
import type { LambdaEngine } from './engine.ts';
import { functionConfiguration } from './function-config.ts';

/** Lambda's limit on a synchronous request and response payload. */
export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

const API_PATH = /^\/(2015-03-31|2019-09-30)\/(functions|event-source-mappings)(?:\/(.*))?$/;

const json = (status: number, body: unknown, headers: Record<string, string> = {}): EdgeResponse => ({
  status,
  headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId(), ...headers },
  body: JSON.stringify(body),
});

/** A restJson1 error: the code in x-amzn-errortype, `{ Type, message }` in the body, as Lambda answers. */
const restError = (error: AwsApiError): EdgeResponse => ({
  status: error.status,
  headers: {
    'content-type': 'application/json',
    'x-amzn-requestid': requestId(),
    'x-amzn-errortype': error.code,
  },
  body: JSON.stringify({ Type: error.senderFault ? 'User' : 'Service', message: error.message }),
});

const header = (request: EdgeRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const page = <T>(items: readonly T[], request: EdgeRequest): { items: T[]; next?: string } => {
  const start = Number(request.query.get('Marker') ?? '0');
  const max = Math.min(Math.max(Number(request.query.get('MaxItems') ?? '50') || 50, 1), 10_000);
  const from = Number.isInteger(start) && start >= 0 ? start : 0;
  const slice = items.slice(from, from + max);
  return from + max < items.length ? { items: slice, next: String(from + max) } : { items: slice };
};

/** The function name of `name`, an ARN or a partial ARN, for filtering. */
const bareName = (value: string): string =>
  /^(?:arn:aws[\w-]*:lambda:[^:]+:)?(?:\d{12}:)?(?:function:)?([^:]+)/.exec(value)?.[1] ?? value;

export class LambdaWireHandler implements ServiceHandler {
  readonly name = 'lambda';

  constructor(private readonly engine: LambdaEngine) {}

  claims(request: EdgeRequest): boolean {
    return request.signingService === 'lambda' || API_PATH.test(request.path);
  }

  async handle(request: EdgeRequest): Promise<EdgeResponse> {
    try {
      return await this.route(request);
    } catch (error) {
      if (error instanceof AwsApiError) return restError(error);
      return restError(
        new AwsApiError(
          'ServiceException',
          error instanceof Error ? error.message : String(error),
          500,
          false,
        ),
      );
    }
  }

  private async route(request: EdgeRequest): Promise<EdgeResponse> {
    const match = API_PATH.exec(request.path);
    const [, version, collection, rest = ''] = match ?? [];
    const parts = rest
      .split('/')
      .filter((part) => part !== '')
      .map(decodeURIComponent);
    const method = request.method.toUpperCase();
    if (collection === 'functions') {
      const [name, sub] = parts;
      if (version === '2015-03-31' && method === 'GET' && parts.length === 0)
        return this.listFunctions(request);
      if (name !== undefined && version === '2015-03-31') {
        if (method === 'POST' && sub === 'invocations' && parts.length === 2)
          return this.invoke(request, name);
        if (method === 'GET' && parts.length === 1) return this.getFunction(request, name);
        if (method === 'GET' && sub === 'configuration' && parts.length === 2) {
          const runtime = this.engine.resolve(name, request.query.get('Qualifier') ?? undefined);
          return json(200, functionConfiguration(runtime.config));
        }
      }
      if (name !== undefined && version === '2019-09-30' && method === 'GET' && sub === 'concurrency') {
        const runtime = this.engine.resolve(name);
        const reserved = runtime.config.reservedConcurrency;
        return json(200, reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved });
      }
    }
    if (collection === 'event-source-mappings' && version === '2015-03-31' && method === 'GET') {
      if (parts.length === 0) return this.listMappings(request);
      if (parts.length === 1) {
        const found = this.engine.mappingList().find((mapping) => mapping.config.uuid === parts[0]);
        if (!found) {
          throw new AwsApiError(
            'ResourceNotFoundException',
            `The resource you requested does not exist. (UUID ${parts[0]})`,
            404,
          );
        }
        return json(200, found.configuration);
      }
    }
    throw new AwsApiError(
      'UnknownOperationException',
      `the local Lambda API does not serve ${request.method} ${request.path}`,
      404,
    );
  }

  private listFunctions(request: EdgeRequest): EdgeResponse {
    const all = this.engine.runtimeList().map((runtime) => functionConfiguration(runtime.config));
    const { items, next } = page(all, request);
    return json(200, { Functions: items, ...(next ? { NextMarker: next } : {}) });
  }

  private getFunction(request: EdgeRequest, name: string): EdgeResponse {
    const runtime = this.engine.resolve(name, request.query.get('Qualifier') ?? undefined);
    const { config } = runtime;
    return json(200, {
      Configuration: functionConfiguration(config),
      Code: { RepositoryType: 'S3', Location: config.codeDir ? `file://${config.codeDir}` : '' },
      Tags: {},
      ...(config.reservedConcurrency !== undefined
        ? { Concurrency: { ReservedConcurrentExecutions: config.reservedConcurrency } }
        : {}),
    });
  }

  private listMappings(request: EdgeRequest): EdgeResponse {
    const source = request.query.get('EventSourceArn');
    const fn = request.query.get('FunctionName');
    const wanted = fn ? bareName(fn) : undefined;
    const all = this.engine
      .mappingList()
      .filter((mapping) => (source ? mapping.config.eventSourceArn === source : true))
      .filter((mapping) => (wanted ? mapping.config.functionName === wanted : true))
      .map((mapping) => mapping.configuration);
    const { items, next } = page(all, request);
    return json(200, { EventSourceMappings: items, ...(next ? { NextMarker: next } : {}) });
  }

  private async invoke(request: EdgeRequest, name: string): Promise<EdgeResponse> {
    const runtime = this.engine.resolve(name, request.query.get('Qualifier') ?? undefined);
    const invocationType = header(request, 'x-amz-invocation-type') ?? 'RequestResponse';
    if (!['RequestResponse', 'Event', 'DryRun'].includes(invocationType)) {
      throw new AwsApiError(
        'InvalidParameterValueException',
        `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
      );
    }
    if (request.body.length > MAX_SYNC_PAYLOAD_BYTES) {
      throw new AwsApiError(
        'RequestTooLargeException',
        `Request must be smaller than ${MAX_SYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
        413,
      );
    }
    const text = request.body.length === 0 ? '{}' : request.body.toString('utf8');
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch (error) {
      throw new AwsApiError(
        'InvalidRequestContentException',
        `Could not parse request body into json: ${(error as Error).message}`,
      );
    }
    if (invocationType === 'DryRun') return { status: 204, headers: { 'x-amzn-requestid': requestId() } };
    if (invocationType === 'Event') {
      const { requestId: id } = this.engine.enqueue(runtime, text);
      return { status: 202, headers: { 'x-amzn-requestid': id } };
    }

    let clientContext: unknown;
    const encoded = header(request, 'x-amz-client-context');
    if (encoded) {
      try {
        clientContext = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
      } catch {
        throw new AwsApiError(
          'InvalidRequestContentException',
          'Client context must be a valid Base64-encoded JSON object.',
        );
      }
    }
    const outcome = await this.engine.run(runtime, text, { trace: true, payload, clientContext });
    let body = outcome.payload;
    let functionError = outcome.functionError;
    if (Buffer.byteLength(body) > MAX_SYNC_PAYLOAD_BYTES) {
      body = JSON.stringify({
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_SYNC_PAYLOAD_BYTES} bytes).`,
      });
      functionError = 'Unhandled';
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-amzn-requestid': outcome.requestId,
      'x-amz-executed-version': '$LATEST',
    };
    if (functionError) headers['x-amz-function-error'] = functionError;
    if (header(request, 'x-amz-log-type') === 'Tail') {
      const { config } = runtime;
      const duration = outcome.durationMs.toFixed(2);
      const log =
        `START RequestId: ${outcome.requestId} Version: $LATEST\n${outcome.logTail}` +
        `END RequestId: ${outcome.requestId}\n` +
        `REPORT RequestId: ${outcome.requestId}\tDuration: ${duration} ms\tBilled Duration: ${Math.ceil(outcome.durationMs)} ms\tMemory Size: ${config.memoryMb} MB\t` +
        (outcome.initDurationMs !== undefined
          ? `Init Duration: ${outcome.initDurationMs.toFixed(2)} ms\t`
          : '') +
        '\n';
      headers['x-amz-log-result'] = Buffer.from(Buffer.from(log).subarray(-4096)).toString('base64');
    }
    return { status: 200, headers, body };
  }
}
