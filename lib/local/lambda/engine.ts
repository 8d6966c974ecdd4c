/**
 * The Lambda engine of the local cloud: runs the template's functions (the esbuild bundles in cdk.out) in worker
 * threads, with their own environment, module state, timeout and concurrency, and feeds them from their SQS and
 * DynamoDB-stream event source mappings.
 *
 * Provides AWS::Lambda::Function, AWS::Lambda::EventSourceMapping and AWS::Lambda::Permission (accepted, not
 * enforced); serves the Lambda API on the edge (see wire.ts); registers `ctx.services.lambda`.
 */
import { randomUUID } from 'node:crypto';
import { AwsApiError } from '#lib/local/core/aws-protocol';
import { sleep } from '#lib/local/core/time';
import type {
  CloudContext,
  Engine,
  InvokeResult,
  LambdaApi,
  ProvisionedResource,
  ResourceProvider,
  ServiceHandler,
  TemplateResource,
  TraceEvent,
} from '#lib/local/core/types';
import { parseEmfLine } from './emf.ts';
import { type FunctionConfig, functionArn, functionConfiguration, parseFunction } from './function-config.ts';
import { FunctionRuntime, type InvocationOutcome, type Slot } from './function-runtime.ts';
import { type MappingConfig, mappingConfiguration, parseMapping } from './mapping-config.ts';
import type { EventSourcePoller, MappingHost } from './mapping-host.ts';
import { SqsPoller } from './sqs-poller.ts';
import { StreamPoller } from './stream-poller.ts';
import { correlationIdOf, describeEvent, orderIdsOf } from './trace-info.ts';
import { LambdaWireHandler } from './wire.ts';

export interface LambdaEngineOptions {
  /** Concurrency of a function without ReservedConcurrentExecutions. Default 10. */
  readonly defaultConcurrency?: number;
  /** Forward every line the functions write to ctx.log (`[function] line`). Default false. */
  readonly debug?: boolean;
  /** Warm sandboxes idle this long (real ms) are terminated. Default 5 minutes. */
  readonly idleMs?: number;
}

/** Options of one invocation through the in-process API. */
export interface InvokeOptions {
  /** What the live trace says was processed (a saga state name); default: read from the payload. */
  readonly label?: string;
  /** Lambda's X-Amz-Client-Context, decoded. */
  readonly clientContext?: unknown;
}

interface Mapping {
  readonly config: MappingConfig;
  readonly poller?: EventSourcePoller | undefined;
}

const FUNCTION_TYPE = 'AWS::Lambda::Function';
const MAPPING_TYPE = 'AWS::Lambda::EventSourceMapping';
const PERMISSION_TYPE = 'AWS::Lambda::Permission';

export class LambdaEngine implements Engine, LambdaApi {
  readonly name = 'lambda';
  readonly providers: readonly ResourceProvider[];
  readonly handlers: readonly ServiceHandler[];
  private readonly runtimes = new Map<string, FunctionRuntime>();
  private readonly mappings = new Map<string, Mapping>();
  private readonly background = new Set<Promise<void>>();
  private readonly awsCalls = new Map<string, number>();
  private readonly defaultConcurrency: number;
  private readonly debug: boolean;
  private readonly idleMs: number;
  private readonly host: MappingHost;
  private stopped = false;

  constructor(
    private readonly ctx: CloudContext,
    options: LambdaEngineOptions = {},
  ) {
    this.defaultConcurrency = options.defaultConcurrency ?? 10;
    this.debug = options.debug ?? false;
    this.idleMs = options.idleMs ?? 5 * 60 * 1000;
    this.providers = [
      { types: [FUNCTION_TYPE], provision: (resource) => this.provisionFunction(resource) },
      { types: [MAPPING_TYPE], provision: (resource) => this.provisionMapping(resource) },
      { types: [PERMISSION_TYPE], provision: (resource) => this.provisionPermission(resource) },
    ];
    this.handlers = [new LambdaWireHandler(this)];
    this.host = {
      ctx,
      invoke: (runtime, payload, invokeOptions) =>
        this.run(runtime, JSON.stringify(payload), {
          slot: invokeOptions.slot,
          trace: invokeOptions.trace,
          payload,
        }),
      trace: (event) => ctx.trace.emit(event),
      log: (message) => ctx.log(`lambda ${message}`),
    };
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.ctx.services.lambda = this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Pollers take no new batches; stopping the runtimes fails the invocations in progress; then the pollers end.
    const pollers = Promise.all([...this.mappings.values()].map((mapping) => mapping.poller?.stop()));
    await Promise.all([...this.runtimes.values()].map((runtime) => runtime.stop()));
    await pollers;
    await Promise.race([Promise.allSettled([...this.background]), sleep(1000)]);
    if (this.ctx.services.lambda === this) delete this.ctx.services.lambda;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Provisioning

  private environmentOf(config: FunctionConfig): Record<string, string> {
    const { ctx } = this;
    // Variables a function may override, then its own, then those Lambda reserves (a function cannot set them).
    const defaults: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      // No ~/.aws of this machine leaks into a function: Lambda has none.
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      // There is no X-Ray daemon: trace headers say Sampled=0, and a segment outside a handler is not an error.
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
      AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    };
    const reserved: Record<string, string> = {
      AWS_REGION: ctx.region,
      AWS_DEFAULT_REGION: ctx.region,
      AWS_LAMBDA_FUNCTION_NAME: config.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: config.logGroup,
      AWS_EXECUTION_ENV: `AWS_Lambda_${config.runtime}`,
      _HANDLER: config.handler,
      LAMBDA_TASK_ROOT: config.codeDir ?? '',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL: ctx.edgeUrl,
      // DynamoDB straight to DynamoDB Local, not through the edge: one loopback hop (and the edge's work) less per
      // call, which halves the functions' durations under load. The edge's proxy only rewrites ARNs and adds
      // control-plane extras; functions make data-plane calls (GetItem, TransactWriteItems ...), which carry none.
      ...(ctx.services.dynamodb ? { AWS_ENDPOINT_URL_DYNAMODB: ctx.services.dynamodb.endpoint } : {}),
      ...(config.logFormat === 'JSON' ? { AWS_LAMBDA_LOG_FORMAT: 'JSON' } : {}),
    };
    return { ...defaults, ...config.environment, ...reserved };
  }

  private async provisionFunction(resource: TemplateResource): Promise<ProvisionedResource> {
    const config = parseFunction(resource, this.ctx);
    if (this.runtimes.has(config.name)) {
      throw new AwsApiError('ResourceConflictException', `Function already exist: ${config.name}`, 409);
    }
    if (config.unsupported)
      this.ctx.log(`lambda ${config.name}: ${config.unsupported}; its invocations will fail`);
    const metricsOf = { FunctionName: config.name };
    const runtime = new FunctionRuntime(
      config,
      {
        concurrency: config.reservedConcurrency ?? this.defaultConcurrency,
        environment: this.environmentOf(config),
        idleMs: this.idleMs,
      },
      {
        onLine: (line) => {
          for (const datum of parseEmfLine(line)) this.ctx.metrics.put(datum);
          if (this.debug && line.trim() !== '') this.ctx.log(`[${config.name}] ${line}`);
        },
        log: (message) => this.ctx.log(`lambda ${message}`),
        onConcurrency: (running) =>
          this.ctx.metrics.put({
            namespace: 'AWS/Lambda',
            metricName: 'ConcurrentExecutions',
            dimensions: metricsOf,
            value: running,
            unit: 'Count',
            timestamp: Date.now(),
          }),
      },
    );
    this.runtimes.set(config.name, runtime);
    return { ref: config.name, attributes: { Arn: config.arn } };
  }

  private async provisionMapping(resource: TemplateResource): Promise<ProvisionedResource> {
    const target = String(resource.properties.FunctionName ?? '');
    const runtime = this.resolve(target);
    let config: MappingConfig;
    try {
      config = parseMapping(resource, runtime.config.name, runtime.config.arn, this.ctx);
    } catch (error) {
      throw new AwsApiError(
        'InvalidParameterValueException',
        `Invalid filter pattern definition. ${(error as Error).message}`,
      );
    }
    let poller: EventSourcePoller | undefined;
    if (config.kind === 'sqs') poller = new SqsPoller(config, runtime, this.host);
    else if (config.kind === 'dynamodb') poller = new StreamPoller(config, runtime, this.host);
    else
      this.ctx.log(
        `lambda event source mapping ${config.uuid}: ${config.eventSourceArn} is not emulated (only SQS and DynamoDB streams)`,
      );
    this.mappings.set(config.uuid, { config, poller });
    if (poller && runtime.concurrency <= 0) {
      this.ctx.log(
        `lambda event source mapping ${config.uuid}: ${config.functionName} has reserved concurrency 0, so nothing is polled`,
      );
    } else if (!this.stopped) poller?.start();
    return { ref: config.uuid, attributes: { Id: config.uuid, EventSourceMappingArn: config.arn } };
  }

  private async provisionPermission(resource: TemplateResource): Promise<ProvisionedResource> {
    // Invoke permissions are accepted and not enforced: every local caller may invoke every function.
    const id = `${resource.stackName}-${resource.logicalId}`.slice(0, 100);
    return { ref: id, attributes: {} };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Lookups

  /** A function by name, ARN or partial ARN (`000000000000:function:name`), optionally qualified with $LATEST. */
  resolve(nameOrArn: string, qualifier?: string): FunctionRuntime {
    const match = /^(?:arn:aws[\w-]*:lambda:[^:]+:)?(?:\d{12}:)?(?:function:)?([^:]+)(?::([^:]+))?$/.exec(
      nameOrArn,
    );
    const name = match?.[1] ?? nameOrArn;
    const version = qualifier ?? match?.[2];
    const runtime = this.runtimes.get(name);
    if (!runtime || (version !== undefined && version !== '$LATEST')) {
      const arn = functionArn(name, this.ctx.region, this.ctx.accountId);
      throw new AwsApiError(
        'ResourceNotFoundException',
        `Function not found: ${version ? `${arn}:${version}` : arn}`,
        404,
      );
    }
    return runtime;
  }

  functions(): readonly { name: string; arn: string; configuration: Record<string, unknown> }[] {
    return [...this.runtimes.values()].map((runtime) => ({
      name: runtime.config.name,
      arn: runtime.config.arn,
      configuration: functionConfiguration(runtime.config),
    }));
  }

  /**
   * Initializes `perFunction` sandboxes of every function (fewer when its concurrency is lower) ahead of the
   * first invocations, so that the first requests do not pay every function's cold start at once.
   */
  async prewarm(perFunction: number): Promise<void> {
    await Promise.all([...this.runtimes.values()].map((runtime) => runtime.prewarm(perFunction)));
  }

  /** Every function's runtime, in provisioning order. */
  runtimeList(): readonly FunctionRuntime[] {
    return [...this.runtimes.values()];
  }

  mappingList(): readonly { config: MappingConfig; configuration: Record<string, unknown> }[] {
    return [...this.mappings.values()].map((mapping) => ({
      config: mapping.config,
      configuration: mappingConfiguration(
        mapping.config,
        mapping.poller?.lastProcessingResult ?? 'PROBLEM: event source not emulated',
      ),
    }));
  }

  // ---------------------------------------------------------------------------------------------------------
  // Invocation

  /** The in-process synchronous Invoke (RequestResponse). Waits for a concurrency slot. */
  async invoke(
    functionNameOrArn: string,
    payload: unknown,
    options: InvokeOptions = {},
  ): Promise<InvokeResult> {
    const runtime = this.resolve(functionNameOrArn);
    const text = JSON.stringify(payload ?? null);
    const outcome = await this.run(runtime, text, {
      trace: true,
      label: options.label,
      payload,
      clientContext: options.clientContext,
    });
    return {
      statusCode: 200,
      payload: JSON.parse(outcome.payload),
      functionError: outcome.functionError,
      durationMs: outcome.durationMs,
    };
  }

  /**
   * An asynchronous invocation (InvocationType Event): queued, retried twice on error (after 1 and 2 minutes,
   * scaled), then sent to the function's DeadLetterConfig target if it has one.
   */
  invokeAsync(
    functionNameOrArn: string,
    payload: unknown,
    options: InvokeOptions = {},
  ): { requestId: string } {
    return this.enqueue(this.resolve(functionNameOrArn), JSON.stringify(payload ?? null), options);
  }

  /** {@link invokeAsync} with the event as JSON text (the wire API's Invoke with InvocationType Event). */
  enqueue(runtime: FunctionRuntime, text: string, options: InvokeOptions = {}): { requestId: string } {
    const requestId = randomUUID();
    const job = (async () => {
      let last: InvocationOutcome | undefined;
      for (let attempt = 0; attempt <= 2 && !this.stopped; attempt += 1) {
        if (attempt > 0) await sleep(this.ctx.time.ms(60 * attempt));
        if (this.stopped) return;
        last = await this.run(runtime, text, {
          trace: true,
          label: options.label,
          requestId: attempt === 0 ? requestId : undefined,
        });
        if (!last.functionError) return;
      }
      const target = runtime.config.deadLetterTargetArn;
      if (!last || !target || this.stopped) return;
      const error = JSON.parse(last.payload) as { errorMessage?: string };
      const attributes = {
        RequestID: { DataType: 'String', StringValue: requestId },
        ErrorCode: { DataType: 'Number', StringValue: '200' },
        ErrorMessage: {
          DataType: 'String',
          StringValue: String(error.errorMessage ?? last.errorType).slice(0, 1000),
        },
      };
      if (target.startsWith('arn:aws:sqs:')) {
        await this.ctx.services.sqs?.sendMessage(target, text, { messageAttributes: attributes });
      } else if (target.startsWith('arn:aws:sns:')) {
        await this.ctx.services.sns?.publish(target, text, { messageAttributes: attributes });
      }
    })().catch((error: unknown) =>
      this.ctx.log(`lambda ${runtime.config.name}: async invocation lost: ${String(error)}`),
    );
    const tracked = job.finally(() => this.background.delete(tracked));
    this.background.add(tracked);
    return { requestId };
  }

  /** Runs one invocation and publishes its metrics and (unless told not to) its trace. */
  async run(
    runtime: FunctionRuntime,
    payloadText: string,
    options: {
      readonly slot?: Slot | undefined;
      readonly trace: boolean;
      readonly label?: string | undefined;
      readonly payload?: unknown;
      readonly clientContext?: unknown;
      readonly requestId?: string | undefined;
    },
  ): Promise<InvocationOutcome> {
    const { config } = runtime;
    if (runtime.concurrency <= 0) {
      this.metric(config.name, 'Throttles', 1, 'Count');
      throw new AwsApiError(
        'TooManyRequestsException',
        'Rate Exceeded. (ReservedFunctionConcurrentInvocationLimitExceeded)',
        429,
      );
    }
    const outcome = await runtime.invoke(
      { payload: payloadText, clientContext: options.clientContext, requestId: options.requestId },
      options.slot,
    );
    if (outcome.awsCalls) {
      for (const service in outcome.awsCalls) {
        this.awsCalls.set(service, (this.awsCalls.get(service) ?? 0) + (outcome.awsCalls[service] ?? 0));
      }
    }
    this.metric(config.name, 'Invocations', 1, 'Count');
    this.metric(config.name, 'Errors', outcome.functionError ? 1 : 0, 'Count');
    this.metric(config.name, 'Duration', outcome.durationMs, 'Milliseconds');
    if (outcome.throttled) this.metric(config.name, 'Throttles', 1, 'Count');
    if (options.trace)
      this.traceInvocation(config.name, options.payload ?? safeParse(payloadText), outcome, options.label);
    return outcome;
  }

  /** The AWS API calls every function's code has made so far, by service (`dynamodb`, `events` ...). */
  awsCallCounts(): Record<string, number> {
    return Object.fromEntries(this.awsCalls);
  }

  private traceInvocation(
    service: string,
    payload: unknown,
    outcome: InvocationOutcome,
    label?: string,
  ): void {
    const event = label ?? describeEvent(payload);
    const text = outcome.functionError
      ? `failed: ${outcome.errorType ?? 'Unhandled'}`
      : `ok ${Math.round(outcome.durationMs)}ms`;
    const correlationId = correlationIdOf(payload);
    const orderIds = orderIdsOf(payload);
    const base: TraceEvent = { event, service, outcome: text, ...(correlationId ? { correlationId } : {}) };
    if (orderIds.length === 0) this.ctx.trace.emit(base);
    for (const orderId of orderIds) this.ctx.trace.emit({ ...base, orderId });
  }

  private metric(functionName: string, metricName: string, value: number, unit: string): void {
    this.ctx.metrics.put({
      namespace: 'AWS/Lambda',
      metricName,
      dimensions: { FunctionName: functionName },
      value,
      unit,
      timestamp: Date.now(),
    });
  }
}

const safeParse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
