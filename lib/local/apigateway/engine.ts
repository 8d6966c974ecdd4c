/**
 * The local API Gateway: the template's REST APIs (AWS::ApiGateway::RestApi, Resource, Method, Deployment,
 * Stage ...) served on their own HTTP port, 3000 by default, where each request becomes a Lambda proxy event.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeNow, listenOnLoopback } from '#lib/local/core/http-server';
import {
  type CloudContext,
  type Engine,
  type InvokeResult,
  type ProvisionedResource,
  type ResourceProvider,
  requireService,
  type ServiceHandler,
  type TemplateResource,
} from '#lib/local/core/types';
import { type GatewayResponseKind, gatewayResponse } from './gateway-responses.ts';
import {
  asString,
  type MethodState,
  newRestApi,
  parseDeploymentStage,
  parseGatewayResponse,
  parseMethod,
  parseStage,
  parseValidator,
  type RestApiState,
  resourcePathOf,
  type StageState,
  stableId,
} from './model.ts';
import {
  buildProxyEvent,
  extendedRequestIdOf,
  type LocalIamIdentity,
  localIamIdentity,
  mapProxyResult,
  newRequestId,
  traceIdOf,
} from './proxy.ts';
import { buildRouteTable, matchRoute, methodFor, type RouteMatch, type RouteTable } from './routes.ts';
import { limitsFor, settingFor, Throttler } from './throttle.ts';

/** The resource types this engine provisions. */
export const API_GATEWAY_TYPES = [
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGateway::Resource',
  'AWS::ApiGateway::Method',
  'AWS::ApiGateway::Deployment',
  'AWS::ApiGateway::Stage',
  'AWS::ApiGateway::RequestValidator',
  'AWS::ApiGateway::Model',
  'AWS::ApiGateway::GatewayResponse',
  'AWS::ApiGateway::Authorizer',
  'AWS::ApiGateway::Account',
] as const;

/** API Gateway's payload limit for REST APIs. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** The JSON response body the trace reads an orderId from is only parsed up to this size. */
const MAX_TRACE_BODY_BYTES = 64 * 1024;

export interface ApiGatewayEngineOptions {
  /** The port of the Order API: 3000 by default; 0 picks a free port. It binds 127.0.0.1 only. */
  readonly port?: number;
  /**
   * Apply the stages' throttling (MethodSettings ThrottlingRateLimit/ThrottlingBurstLimit, token buckets per
   * method, and the account's 10 000 rps / 5 000 burst). On by default, as deployed; a benchmark that pushes
   * more than the template allows can turn it off.
   */
  readonly throttling?: boolean;
  /**
   * Serve requests as soon as the server listens (the default). The local cloud passes false and calls `open()`
   * once boot is complete, so a client polling the port during boot gets 503, not a half-built API.
   */
  readonly openWhenStarted?: boolean;
}

/** Where a request lands: an API and stage, the path after the stage, and the resource if one matches. */
interface Target {
  readonly api: RestApiState;
  readonly stage: StageState;
  readonly path: string;
  readonly match?: RouteMatch | undefined;
}

/** What a request resolved to, for metrics and the trace. */
interface Outcome {
  readonly status: number;
  readonly headers: Record<string, string[]>;
  readonly body: Buffer;
  readonly integrationMs?: number | undefined;
}

const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

const firstHeader = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

/**
 * The REST APIs of the templates, served on 127.0.0.1:<port> (3000 by default).
 *
 * Routing: a request is served both at `/<path>` (the Order API at `http://127.0.0.1:3000/orders`, in the API's
 * first stage) and at `/<stageName>/<path>` (the deployed URL shape, `/v1/orders`); the LocalStack form
 * `/restapis/<apiId>/<stage>/_user_request_/<path>` works too. A path no resource matches, or a resource without
 * that method (nor ANY), gets 403 `{"message":"Missing Authentication Token"}`, as REST APIs answer.
 *
 * Authorization: every method's authorizer is emulated as allowing. AWS_IAM (the Order API's) admits one fixed
 * local identity, the IAM user `arn:aws:iam::000000000000:user/orderflow-local` (see {@link localIamIdentity}),
 * whether or not the request is signed: no SigV4 signature is checked and no credentials are needed, and the
 * proxy event's `requestContext.identity` carries that user. CUSTOM and COGNITO_USER_POOLS authorizers are not
 * run, and API keys are not required.
 *
 * Integrations: AWS_PROXY to Lambda (the v1 proxy event; the function's response mapped back; a function
 * error or a malformed response is 502 `{"message": "Internal server error"}`, a refused invocation 500, no
 * answer within the integration timeout, 29 s by default, 504 `{"message": "Endpoint request timed out"}`) and
 * MOCK (the default integration response's status and static headers, as CORS preflight methods use). Other
 * integration types answer 500.
 *
 * The stage's MethodSettings throttle each method (429 `{"message":"Too Many Requests"}`), request validators
 * check required header and query string parameters (400), and AWS/ApiGateway metrics (Count, 4XXError,
 * 5XXError, Latency, IntegrationLatency by ApiName and Stage) go to the metric store.
 */
export class ApiGatewayEngine implements Engine {
  readonly name = 'apigateway';
  readonly providers: readonly ResourceProvider[];
  /** No edge API: the management API of API Gateway is not emulated. */
  readonly handlers: readonly ServiceHandler[] = [];

  private readonly apis = new Map<string, RestApiState>();
  private readonly tables = new Map<string, RouteTable>();
  private readonly throttler = new Throttler();
  private readonly identity: LocalIamIdentity;
  private readonly warned = new Set<string>();
  private readonly port: number;
  private readonly throttling: boolean;
  private server: Server | undefined;
  private boundPort = 0;
  private isOpen: boolean;

  constructor(
    private readonly ctx: CloudContext,
    options: ApiGatewayEngineOptions = {},
  ) {
    this.port = options.port ?? 3000;
    this.throttling = options.throttling ?? true;
    this.isOpen = options.openWhenStarted ?? true;
    this.identity = localIamIdentity(ctx.accountId);
    this.providers = [{ types: API_GATEWAY_TYPES, provision: (resource) => this.provision(resource) }];
  }

  /** `http://127.0.0.1:<port>`, the bound port once started. */
  get url(): string {
    return `http://127.0.0.1:${this.server ? this.boundPort : this.port}`;
  }

  async start(): Promise<void> {
    const { server, port } = await listenOnLoopback(this.port, (request, response) => {
      void this.serve(request, response);
    });
    this.server = server;
    this.boundPort = port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeNow(server);
  }

  /** Starts serving requests (see ApiGatewayEngineOptions.openWhenStarted). */
  open(): void {
    this.isOpen = true;
  }

  /** Every served route, for the boot summary: `POST /orders` of stage `v1` of API `Api`. */
  routes(): { apiId: string; apiName: string; stages: string[]; method: string; path: string }[] {
    const out: { apiId: string; apiName: string; stages: string[]; method: string; path: string }[] = [];
    for (const api of this.apis.values()) {
      for (const resource of api.resources.values()) {
        for (const method of resource.methods.keys()) {
          const path = resourcePathOf(api, resource.id);
          if (path !== undefined) {
            out.push({ apiId: api.id, apiName: api.name, stages: [...api.stages.keys()], method, path });
          }
        }
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Provisioning

  private async provision(resource: TemplateResource): Promise<ProvisionedResource> {
    const props = resource.properties;
    const seed = `${resource.stackName}/${resource.logicalId}`;
    switch (resource.type) {
      case 'AWS::ApiGateway::RestApi': {
        const api = newRestApi(props, resource.stackName, resource.logicalId);
        if (props.Body !== undefined || props.BodyS3Location !== undefined) {
          this.ctx.log(
            `apigateway: ${api.name}: an OpenAPI definition (Body/BodyS3Location) is not emulated; only Resource and Method resources define routes`,
          );
        }
        if (props.Policy !== undefined) {
          this.ctx.log(`apigateway: ${api.name}: the resource policy is not enforced locally`);
        }
        this.apis.set(api.id, api);
        return { ref: api.id, attributes: { RestApiId: api.id, RootResourceId: api.rootResourceId } };
      }
      case 'AWS::ApiGateway::Resource': {
        const api = this.apiOf(resource);
        const parentId = asString(props.ParentId);
        const pathPart = asString(props.PathPart);
        if (!parentId || !api.resources.has(parentId)) {
          throw new Error(`${resource.logicalId}: ParentId ${parentId} is not a resource of API ${api.id}`);
        }
        if (!pathPart) throw new Error(`${resource.logicalId}: PathPart is required`);
        const id = this.uniqueId(api.resources, seed, 6);
        api.resources.set(id, { id, parentId, pathPart, methods: new Map() });
        this.tables.delete(api.id);
        return { ref: id, attributes: { ResourceId: id } };
      }
      case 'AWS::ApiGateway::Method': {
        const api = this.apiOf(resource);
        const resourceId = asString(props.ResourceId);
        const target = resourceId ? api.resources.get(resourceId) : undefined;
        if (!target)
          throw new Error(
            `${resource.logicalId}: ResourceId ${resourceId} is not a resource of API ${api.id}`,
          );
        const method = parseMethod(props);
        target.methods.set(method.httpMethod, method);
        this.noteMethod(api, method);
        return { ref: stableId(seed, 10), attributes: {} };
      }
      case 'AWS::ApiGateway::Deployment': {
        const api = this.apiOf(resource);
        const id = stableId(seed, 6);
        const stage = parseDeploymentStage(props, id);
        if (stage) api.stages.set(stage.name, stage);
        return { ref: id, attributes: { DeploymentId: id } };
      }
      case 'AWS::ApiGateway::Stage': {
        const api = this.apiOf(resource);
        const name = asString(props.StageName);
        if (!name) throw new Error(`${resource.logicalId}: StageName is required`);
        api.stages.set(name, parseStage(props, name));
        return { ref: name, attributes: {} };
      }
      case 'AWS::ApiGateway::RequestValidator': {
        const api = this.apiOf(resource);
        const id = this.uniqueId(api.validators, seed, 6);
        api.validators.set(id, parseValidator(props, id));
        return { ref: id, attributes: { RequestValidatorId: id } };
      }
      case 'AWS::ApiGateway::Model': {
        const api = this.apiOf(resource);
        const name = asString(props.Name) ?? `${resource.logicalId.replace(/[^A-Za-z0-9]/g, '')}`;
        api.models.set(name, props.Schema);
        return { ref: name, attributes: {} };
      }
      case 'AWS::ApiGateway::GatewayResponse': {
        const api = this.apiOf(resource);
        const response = parseGatewayResponse(props);
        api.gatewayResponses.set(response.responseType, response);
        return { ref: stableId(seed, 10), attributes: {} };
      }
      case 'AWS::ApiGateway::Authorizer': {
        const id = stableId(seed, 6);
        this.ctx.log(
          `apigateway: authorizer ${asString(props.Name) ?? resource.logicalId} is not run locally; its methods allow every request`,
        );
        return { ref: id, attributes: { AuthorizerId: id } };
      }
      case 'AWS::ApiGateway::Account':
        // The account's CloudWatch role: nothing to do locally.
        return { ref: stableId(seed, 10), attributes: {} };
      default:
        throw new Error(`apigateway cannot provision ${resource.type}`);
    }
  }

  private apiOf(resource: TemplateResource): RestApiState {
    const id = asString(resource.properties.RestApiId);
    const api = id ? this.apis.get(id) : undefined;
    if (!api) throw new Error(`${resource.logicalId}: RestApiId ${id} is not a provisioned REST API`);
    return api;
  }

  private uniqueId(existing: ReadonlyMap<string, unknown>, seed: string, length: number): string {
    let id = stableId(seed, length);
    for (let attempt = 1; existing.has(id); attempt++) id = stableId(`${seed}#${attempt}`, length);
    return id;
  }

  /** Says once per API and concern what is emulated loosely. */
  private noteMethod(api: RestApiState, method: MethodState): void {
    const once = (key: string, message: string) => {
      if (this.warned.has(`${api.id}:${key}`)) return;
      this.warned.add(`${api.id}:${key}`);
      this.ctx.log(`apigateway: ${api.name}: ${message}`);
    };
    if (method.authorizationType === 'AWS_IAM') {
      once(
        'iam',
        `AWS_IAM authorization is emulated as allowing the fixed local identity ${this.identity.userArn} (requests need no signature)`,
      );
    } else if (method.authorizationType !== 'NONE') {
      once(
        'authorizer',
        `${method.authorizationType} authorizers are not run locally; every request is allowed`,
      );
    }
    if (method.apiKeyRequired) once('apikey', 'API keys are not required locally');
    if (Object.keys(method.requestModels).length > 0) {
      once('models', 'request bodies are not validated against their models locally');
    }
    const type = method.integration?.type;
    if (type && type !== 'AWS_PROXY' && type !== 'MOCK') {
      once(`integration:${type}`, `${type} integrations are not emulated; such methods answer 500`);
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Serving

  private tableOf(api: RestApiState): RouteTable {
    let table = this.tables.get(api.id);
    if (!table) {
      table = buildRouteTable(api);
      this.tables.set(api.id, table);
    }
    return table;
  }

  /** Finds the API, stage and resource of a (still percent-encoded) request path. */
  private resolve(pathname: string): Target | undefined {
    const apis = [...this.apis.values()];
    const segments = pathname.split('/');
    const first = segments[1] ?? '';
    const rest = (skip: number) => `/${segments.slice(skip + 1).join('/')}`;

    // LocalStack's form: /restapis/<apiId>/<stage>/_user_request_/<path>
    if (first === 'restapis' && segments[4] === '_user_request_') {
      const api = this.apis.get(segments[2] ?? '');
      const stage = api?.stages.get(segments[3] ?? '');
      if (api && stage) {
        const path = rest(4);
        return { api, stage, path, match: matchRoute(this.tableOf(api), path) };
      }
    }
    for (const api of apis) {
      const stage = api.stages.get(decodeSegment(first));
      if (!stage) continue;
      const path = rest(1);
      const match = matchRoute(this.tableOf(api), path);
      if (match) return { api, stage, path, match };
    }
    for (const api of apis) {
      const stage = api.stages.values().next().value;
      if (!stage) continue;
      const match = matchRoute(this.tableOf(api), pathname);
      if (match) return { api, stage, path: pathname, match };
    }
    // No resource: charge the 403 to the stage the path names, else to the first API's default stage.
    for (const api of apis) {
      const stage = api.stages.get(decodeSegment(first));
      if (stage) return { api, stage, path: rest(1) };
    }
    for (const api of apis) {
      const stage = api.stages.values().next().value;
      if (stage) return { api, stage, path: pathname };
    }
    return undefined;
  }

  private async serve(raw: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!this.isOpen) {
      raw.resume();
      response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      response.end(
        JSON.stringify({
          message: 'The local cloud is still starting; retry once it prints its ready line.',
        }),
      );
      return;
    }
    const started = Date.now();
    const requestId = newRequestId();
    const extendedRequestId = extendedRequestIdOf();
    const httpMethod = (raw.method ?? 'GET').toUpperCase();
    const rawUrl = raw.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const pathname = queryAt >= 0 ? rawUrl.slice(0, queryAt) : rawUrl;
    const rawQuery = queryAt >= 0 ? rawUrl.slice(queryAt + 1) : '';
    let target: Target | undefined;
    let method: MethodState | undefined;
    let outcome: Outcome;
    let traceHeader: string | undefined;
    try {
      const body = await readBody(raw);
      target = this.resolve(pathname);
      traceHeader = target?.stage.tracingEnabled
        ? (firstHeader(raw.headers['x-amzn-trace-id']) ?? traceIdOf(started))
        : undefined;
      const fail = (kind: GatewayResponseKind, message?: string): Outcome =>
        this.gatewayFailure(kind, target, raw, { requestId, extendedRequestId, httpMethod }, message);
      method = target?.match ? methodFor(target.api, target.match.resourceId, httpMethod) : undefined;
      if (!target?.match || !method) {
        outcome = fail('MISSING_AUTHENTICATION_TOKEN');
      } else if (body.length > MAX_PAYLOAD_BYTES) {
        outcome = fail('REQUEST_TOO_LARGE');
      } else if (!this.admit(target, target.match, httpMethod, started)) {
        outcome = fail('THROTTLED');
      } else {
        const missing = this.missingParameters(target, method, raw, rawQuery);
        if (missing.length > 0) {
          outcome = fail(
            'BAD_REQUEST_PARAMETERS',
            `Missing required request parameters: [${missing.join(', ')}]`,
          );
        } else {
          outcome = await this.integrate(target, target.match, method, {
            raw,
            body,
            rawQuery,
            httpMethod,
            requestId,
            extendedRequestId,
            started,
            traceHeader,
            fail,
          });
        }
      }
    } catch (error) {
      this.ctx.log(
        `apigateway: ${httpMethod} ${pathname} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      outcome = this.gatewayFailure(
        'API_CONFIGURATION_ERROR',
        target,
        raw,
        { requestId, extendedRequestId, httpMethod },
        undefined,
      );
    }

    const headers: Record<string, string[]> = {
      ...outcome.headers,
      'x-amzn-RequestId': [requestId],
      'x-amz-apigw-id': [extendedRequestId],
    };
    if (traceHeader) headers['X-Amzn-Trace-Id'] = [traceHeader];
    try {
      for (const [name, values] of Object.entries(headers)) response.setHeader(name, values);
      response.writeHead(outcome.status);
      response.end(outcome.body);
    } catch (error) {
      this.ctx.log(`apigateway: could not write the response: ${String(error)}`);
      if (!response.headersSent) {
        response.writeHead(502, { 'content-type': 'application/json' });
        response.end('{"message": "Internal server error"}');
      } else response.destroy();
    }
    this.record(target, method, httpMethod, pathname, outcome, Date.now() - started);
  }

  private admit(target: Target, match: RouteMatch, httpMethod: string, now: number): boolean {
    if (!this.throttling) return true;
    const limits = limitsFor(target.stage.methodSettings, match.resourcePath, httpMethod);
    return this.throttler.admit(
      `${target.api.id}/${target.stage.name}/${httpMethod} ${match.resourcePath}`,
      limits,
      now,
    );
  }

  /** The required header and query string parameters a request lacks, when the method's validator checks them. */
  private missingParameters(
    target: Target,
    method: MethodState,
    raw: IncomingMessage,
    rawQuery: string,
  ): string[] {
    const validator = method.requestValidatorId
      ? target.api.validators.get(method.requestValidatorId)
      : undefined;
    if (!validator?.validateRequestParameters) return [];
    const query = new URLSearchParams(rawQuery);
    const missing: string[] = [];
    for (const [key, required] of Object.entries(method.requestParameters)) {
      if (!required) continue;
      const [, location, ...rest] = key.split('.').slice(1);
      const name = rest.join('.');
      if (location === 'header' && raw.headers[name.toLowerCase()] === undefined) missing.push(name);
      if (location === 'querystring' && !query.has(name)) missing.push(name);
    }
    return missing;
  }

  private gatewayFailure(
    kind: GatewayResponseKind,
    target: Target | undefined,
    raw: IncomingMessage,
    ids: { requestId: string; extendedRequestId: string; httpMethod: string },
    message: string | undefined,
  ): Outcome {
    const answer = gatewayResponse(
      kind,
      target?.api.gatewayResponses ?? new Map(),
      {
        requestId: ids.requestId,
        extendedRequestId: ids.extendedRequestId,
        apiId: target?.api.id ?? '',
        stage: target?.stage.name ?? '',
        resourcePath: target?.match?.resourcePath ?? '',
        httpMethod: ids.httpMethod,
        requestHeader: (name) => firstHeader(raw.headers[name]),
      },
      message,
    );
    const headers: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) headers[name] = [value];
    return { status: answer.status, headers, body: Buffer.from(answer.body) };
  }

  private async integrate(
    target: Target,
    match: RouteMatch,
    method: MethodState,
    request: {
      raw: IncomingMessage;
      body: Buffer;
      rawQuery: string;
      httpMethod: string;
      requestId: string;
      extendedRequestId: string;
      started: number;
      traceHeader: string | undefined;
      fail: (kind: GatewayResponseKind, message?: string) => Outcome;
    },
  ): Promise<Outcome> {
    const integration = method.integration;
    if (integration?.type === 'MOCK') return this.mock(method, request.raw);
    const functionArn =
      integration?.type === 'AWS_PROXY' ? this.functionOf(integration.uri, target.stage) : undefined;
    if (!functionArn) {
      this.ctx.log(
        `apigateway: ${request.httpMethod} ${match.resourcePath}: ${integration?.type ?? 'no'} integration${integration?.uri ? ` (${integration.uri})` : ''} is not emulated`,
      );
      return request.fail('API_CONFIGURATION_ERROR');
    }

    const event = buildProxyEvent(
      {
        httpMethod: request.httpMethod,
        path: target.path,
        rawQuery: request.rawQuery,
        rawHeaders: request.raw.rawHeaders,
        body: request.body,
        sourceIp: (request.raw.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        protocol: `HTTP/${request.raw.httpVersion}`,
        port: this.boundPort,
        requestId: request.requestId,
        extendedRequestId: request.extendedRequestId,
        requestTimeEpoch: request.started,
        traceId: request.traceHeader,
      },
      {
        apiId: target.api.id,
        accountId: this.ctx.accountId,
        region: this.ctx.region,
        stage: target.stage.name,
        stageVariables: target.stage.variables,
        resourceId: match.resourceId,
        resourcePath: match.resourcePath,
        pathParameters: match.pathParameters,
        binaryMediaTypes: target.api.binaryMediaTypes,
        identity: this.identity,
      },
    );

    const integrationStarted = Date.now();
    let result: InvokeResult | 'timeout';
    let timer: NodeJS.Timeout | undefined;
    try {
      const lambda = requireService(this.ctx.services, 'lambda');
      result = await Promise.race([
        lambda.invoke(functionArn, event),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), integration?.timeoutMs ?? 29_000);
        }),
      ]);
    } catch (error) {
      this.ctx.log(
        `apigateway: ${request.httpMethod} ${match.resourcePath}: Lambda refused the invocation of ${functionArn}: ${error instanceof Error ? error.message : String(error)}`,
      );
      return { ...request.fail('LAMBDA_INVOKE_ERROR'), integrationMs: Date.now() - integrationStarted };
    } finally {
      clearTimeout(timer);
    }
    const integrationMs = Date.now() - integrationStarted;
    if (result === 'timeout') {
      this.ctx.log(
        `apigateway: ${request.httpMethod} ${match.resourcePath}: Execution failed due to a timeout error (${functionArn})`,
      );
      return { ...request.fail('INTEGRATION_TIMEOUT'), integrationMs };
    }
    if (result.statusCode < 200 || result.statusCode >= 300) {
      this.ctx.log(
        `apigateway: ${request.httpMethod} ${match.resourcePath}: Lambda answered ${result.statusCode} for ${functionArn}`,
      );
      return { ...request.fail('LAMBDA_INVOKE_ERROR'), integrationMs };
    }
    if (result.functionError) {
      const payload = result.payload as { errorType?: unknown; errorMessage?: unknown } | null;
      this.ctx.log(
        `apigateway: ${request.httpMethod} ${match.resourcePath}: Lambda execution failed due to customer function error: ${String(payload?.errorType ?? 'Error')}: ${String(payload?.errorMessage ?? '')}`,
      );
      return { ...request.fail('LAMBDA_FUNCTION_ERROR'), integrationMs };
    }
    const mapped = mapProxyResult(result.payload, {
      accept: firstHeader(request.raw.headers.accept),
      binaryMediaTypes: target.api.binaryMediaTypes,
    });
    if (!mapped.ok) {
      this.ctx.log(
        `apigateway: ${request.httpMethod} ${match.resourcePath}: Execution failed due to configuration error: Malformed Lambda proxy response (${mapped.reason})`,
      );
      return { ...request.fail('LAMBDA_FUNCTION_ERROR'), integrationMs };
    }
    return { ...mapped.response, integrationMs };
  }

  /** The function ARN of an AWS_PROXY integration URI, after substituting `${stageVariables.x}`. */
  private functionOf(uri: string | undefined, stage: StageState): string | undefined {
    const resolved = uri?.replace(
      /\$\{stageVariables\.([A-Za-z0-9_]+)\}/g,
      (_m, name: string) => stage.variables[name] ?? '',
    );
    return /:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/.exec(resolved ?? '')?.[1];
  }

  /** A MOCK integration: the default integration response's status, static headers and static JSON template. */
  private mock(method: MethodState, raw: IncomingMessage): Outcome {
    const responses = method.integration?.responses ?? [];
    const chosen = responses.find((response) => !response.selectionPattern) ?? responses[0];
    const headers: Record<string, string[]> = {};
    for (const [key, mapping] of Object.entries(chosen?.responseParameters ?? {})) {
      const name = /^method\.response\.header\.(.+)$/.exec(key)?.[1];
      if (!name) continue;
      if (mapping.length >= 2 && mapping.startsWith("'") && mapping.endsWith("'")) {
        headers[name] = [mapping.slice(1, -1)];
      } else {
        const header = /^method\.request\.header\.(.+)$/.exec(mapping)?.[1];
        const value = header ? firstHeader(raw.headers[header.toLowerCase()]) : undefined;
        if (name && value !== undefined) headers[name] = [value];
      }
    }
    const template = chosen?.responseTemplates['application/json'];
    const body = template && !/[$#]/.test(template) ? template : '';
    headers['Content-Type'] ??= ['application/json'];
    return { status: Number(chosen?.statusCode ?? 200), headers, body: Buffer.from(body) };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Metrics and trace

  private record(
    target: Target | undefined,
    method: MethodState | undefined,
    httpMethod: string,
    pathname: string,
    outcome: Outcome,
    latencyMs: number,
  ): void {
    const resourcePath = target?.match?.resourcePath;
    if (target) {
      const timestamp = Date.now();
      const dimensionSets: Record<string, string>[] = [
        { ApiName: target.api.name, Stage: target.stage.name },
      ];
      if (resourcePath && method) {
        const { specific, stageWide } = settingFor(target.stage.methodSettings, resourcePath, httpMethod);
        if ((specific ?? stageWide)?.metricsEnabled) {
          dimensionSets.push({
            ApiName: target.api.name,
            Method: httpMethod,
            Resource: resourcePath,
            Stage: target.stage.name,
          });
        }
      }
      for (const dimensions of dimensionSets) {
        const put = (metricName: string, value: number, unit: string) =>
          this.ctx.metrics.put({
            namespace: 'AWS/ApiGateway',
            metricName,
            dimensions,
            value,
            unit,
            timestamp,
          });
        put('Count', 1, 'Count');
        put('4XXError', outcome.status >= 400 && outcome.status < 500 ? 1 : 0, 'Count');
        put('5XXError', outcome.status >= 500 ? 1 : 0, 'Count');
        put('Latency', latencyMs, 'Milliseconds');
        if (outcome.integrationMs !== undefined)
          put('IntegrationLatency', outcome.integrationMs, 'Milliseconds');
      }
    }
    const pathOrderId = target?.match?.pathParameters.orderId;
    this.ctx.trace.emit({
      event: `${httpMethod} ${resourcePath ?? pathname}`,
      service: 'api',
      outcome: `${outcome.status} (${latencyMs} ms)`,
      orderId: pathOrderId !== undefined ? decodeSegment(pathOrderId) : this.orderIdOf(outcome),
      correlationId: this.headerOf(outcome, 'x-correlation-id'),
    });
  }

  private headerOf(outcome: Outcome, name: string): string | undefined {
    for (const [key, values] of Object.entries(outcome.headers)) {
      if (key.toLowerCase() === name) return values[0];
    }
    return undefined;
  }

  /** The `orderId` of a JSON response body, if it has one. */
  private orderIdOf(outcome: Outcome): string | undefined {
    if (outcome.body.length === 0 || outcome.body.length > MAX_TRACE_BODY_BYTES) return undefined;
    if (!/json/i.test(this.headerOf(outcome, 'content-type') ?? '')) return undefined;
    try {
      const parsed: unknown = JSON.parse(outcome.body.toString('utf8'));
      const orderId = (parsed as { orderId?: unknown } | null)?.orderId;
      return typeof orderId === 'string' ? orderId : undefined;
    } catch {
      return undefined;
    }
  }
}

export { localIamIdentity } from './proxy.ts';
