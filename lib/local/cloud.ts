/**
 * The local cloud: orderflow's synthesized stacks running on this machine. It synthesizes the app if the code
 * changed, starts one engine per AWS service, creates every resource of the templates through them, seeds the
 * catalog, and serves the Order API and the edge endpoint for every AWS API.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiGatewayEngine } from './apigateway/engine.ts';
import { CloudWatchEngine } from './cloudwatch/engine.ts';
import { EdgeServer } from './core/edge-server.ts';
import { PortInUseError } from './core/http-server.ts';
import { InMemoryMetricStore } from './core/metric-store.ts';
import {
  type CloudContext,
  type Engine,
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
  type LocalServices,
  type ServiceHandler,
  type TimeScale,
  type TraceEvent,
} from './core/types.ts';
import { DynamoDbEngine } from './dynamodb/engine.ts';
import { EventBridgeEngine } from './eventbridge/engine.ts';
import { LambdaEngine } from './lambda/engine.ts';
import { MessagingEngine } from './messaging/engine.ts';
import { StepFunctionsEngine } from './stepfunctions/engine.ts';
import { isAssemblyStale, loadAssembly } from './template/assembly.ts';
import { Provisioner, type ProvisionReport } from './template/provisioner.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface LocalCloudOptions {
  /** The edge endpoint's port (every AWS API). 0 picks a free one. */
  readonly edgePort: number;
  /** The Order API's port. 0 picks a free one. */
  readonly apiPort: number;
  readonly time: TimeScale;
  /** Synthesize first: when the code is newer than cdk.out (default), always, or never. */
  readonly synth?: 'if-stale' | 'always' | 'never';
  /** @default `<project>/cdk.out` */
  readonly assemblyDir?: string;
  /** Seed the catalog once the resources exist. @default true */
  readonly seed?: boolean;
  /** Apply the API stage's throttling limits. @default true */
  readonly throttling?: boolean;
  /**
   * Sandboxes of a function without ReservedConcurrentExecutions. On two cores the CPU is the limit, not the
   * sandboxes: every sandbox is a V8 isolate that compiles and warms up the AWS SDK on its own, so more of them
   * cost more CPU per order and more cold starts under load. Measured with `npm run bench` (60 s): at 12 orders/s,
   * 1 sandbox per function gave p99 2.8 s at 186% CPU, 2 (both pre-warmed) p99 4.2 s at 190%; at 10/s, 2.8 s and
   * 3.4 s. The price of 1: two invocations of one function never overlap locally (raise it, or set
   * ReservedConcurrentExecutions, to exercise such races). @default 1
   */
  readonly defaultConcurrency?: number;
  /**
   * Sandboxes initialized per function before ready (a function's cold start then happens at boot, not under
   * the first requests). @default 1
   */
  readonly prewarm?: number;
  /** Forward the functions' own log lines. */
  readonly verbose?: boolean;
  /** Boot progress and diagnostics. */
  readonly log?: (line: string) => void;
  /** Every trace event, as it happens. */
  readonly onTrace?: ((event: TraceEvent) => void) | undefined;
}

const synthesize = (projectRoot: string, why: string, log: (line: string) => void): Promise<void> =>
  new Promise((resolve, reject) => {
    log(`synthesizing the app (cdk synth), because ${why}…`);
    const child = spawn(join(projectRoot, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet'], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`cdk synth failed (exit ${code}):\n${output.trim()}`)),
    );
  });

export class LocalCloud {
  /** Milliseconds from `start()` to ready. */
  bootMs = 0;

  private constructor(
    readonly ctx: CloudContext,
    private readonly edge: EdgeServer,
    private readonly api: ApiGatewayEngine,
    private readonly engines: readonly Engine[],
    readonly report: ProvisionReport,
  ) {}

  get edgeUrl(): string {
    return this.edge.url;
  }

  get apiUrl(): string {
    return this.api.url;
  }

  get time(): TimeScale {
    return this.ctx.time;
  }

  /** Stack outputs, merged: ApiUrl, SeedCatalogFunctionName, OrdersTableName ... */
  get outputs(): Record<string, unknown> {
    return Object.assign({}, ...Object.values(this.report.outputs));
  }

  engine<T extends Engine>(type: abstract new (...args: never[]) => T): T {
    const found = this.engines.find((engine): engine is T => engine instanceof type);
    if (!found) throw new Error(`no ${type.name} in this cloud`);
    return found;
  }

  static async start(options: LocalCloudOptions): Promise<LocalCloud> {
    const startedAt = Date.now();
    const log = options.log ?? (() => undefined);
    const assemblyDir = options.assemblyDir ?? join(PROJECT_ROOT, 'cdk.out');
    const synth = options.synth ?? 'if-stale';
    if (synth === 'always' || (synth === 'if-stale' && isAssemblyStale(PROJECT_ROOT, assemblyDir))) {
      const why = !existsSync(join(assemblyDir, 'manifest.json'))
        ? 'there is no cdk.out yet'
        : synth === 'always'
          ? 'it was asked to'
          : 'the code changed since cdk.out was built';
      await synthesize(PROJECT_ROOT, why, log);
    }
    const assembly = loadAssembly(assemblyDir);

    let handlers: readonly ServiceHandler[] = [];
    let functionCalls: () => Record<string, number> = () => ({});
    let outputs: () => Record<string, Record<string, unknown>> = () => ({});
    const metrics = new InMemoryMetricStore(60 * 60 * 1000);
    let ready = false;
    const edge = new EdgeServer({
      port: options.edgePort,
      handlers: () => handlers,
      health: () => ({ status: ready ? 'ready' : 'starting' }),
      info: {
        // What happened inside the cloud, as AWS would count it: function invocations and executions.
        stats: () => ({
          lambdaInvocations: sumOf(metrics, 'AWS/Lambda', 'Invocations'),
          sagaExecutions: sumOf(metrics, 'AWS/States', 'ExecutionsStarted'),
          // The AWS API calls the functions' code made, by service (direct ones to DynamoDB Local included).
          functionCalls: functionCalls(),
        }),
        // The stack outputs, merged, as `aws cloudformation describe-stacks` would give them on AWS.
        outputs: () => Object.assign({}, ...Object.values(outputs())),
      },
      onError: (error, request) =>
        log(
          `edge: ${request.method} ${request.path} ${request.target ?? ''} failed: ${(error as Error).message}`,
        ),
    });
    try {
      await edge.start();
    } catch (error) {
      throw portError(error, options.edgePort, '--port');
    }

    const services: LocalServices = {};
    const ctx: CloudContext = {
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      edgeUrl: edge.url,
      time: options.time,
      trace: { emit: (event) => options.onTrace?.(event) },
      metrics,
      services,
      assemblyDir,
      log,
    };
    const api = new ApiGatewayEngine(ctx, {
      port: options.apiPort,
      throttling: options.throttling ?? true,
      openWhenStarted: false,
    });
    // Functions without reserved concurrency get one sandbox each (see LocalCloudOptions.defaultConcurrency).
    const lambda = new LambdaEngine(ctx, {
      debug: options.verbose ?? false,
      defaultConcurrency: options.defaultConcurrency ?? 1,
    });
    functionCalls = () => lambda.awsCallCounts();
    // Start order: storage first, then what delivers to it; stop in reverse, so deliveries in flight land.
    const engines: Engine[] = [
      new DynamoDbEngine(ctx),
      new MessagingEngine(ctx),
      lambda,
      new StepFunctionsEngine(ctx),
      new EventBridgeEngine(ctx),
      new CloudWatchEngine(ctx),
      api,
    ];
    const started: Engine[] = [];
    try {
      log(`starting ${engines.map((engine) => engine.name).join(', ')}…`);
      await Promise.all(
        engines.map(async (engine) => {
          try {
            await engine.start();
          } catch (error) {
            if (engine === api) throw portError(error, options.apiPort, '--api-port');
            throw error;
          }
          started.push(engine);
        }),
      );
      handlers = engines.flatMap((engine) => engine.handlers ?? []);

      const total = assembly.stacks.reduce(
        (sum, stack) => sum + Object.keys(stack.template.Resources).length,
        0,
      );
      log(`creating ${total} resources from ${assembly.stacks.map((stack) => stack.stackName).join(', ')}…`);
      const report = await new Provisioner({
        region: ctx.region,
        accountId: ctx.accountId,
        providers: engines.flatMap((engine) => engine.providers ?? []),
      }).provision(assembly);
      for (const [type, { count, reason }] of report.notEmulated) {
        log(`  not emulated: ${type} ×${count} (${reason})`);
      }

      outputs = () => report.outputs as Record<string, Record<string, unknown>>;
      const cloud = new LocalCloud(ctx, edge, api, engines, report);
      const prewarm = options.prewarm ?? 1;
      if (prewarm > 0) await lambda.prewarm(prewarm);
      if (options.seed ?? true) await cloud.seedCatalog(log);
      ready = true;
      api.open();
      cloud.bootMs = Date.now() - startedAt;
      return cloud;
    } catch (error) {
      await stopAll([...started].reverse(), log);
      await edge.stop();
      throw error;
    }
  }

  /** Loads the demo catalog through the stack's own seed function, as the README says to do after a deploy. */
  async seedCatalog(log: (line: string) => void = () => undefined): Promise<void> {
    const name = this.outputs.SeedCatalogFunctionName;
    if (typeof name !== 'string') throw new Error('the templates have no SeedCatalogFunctionName output');
    const lambda = this.ctx.services.lambda;
    if (!lambda) throw new Error('the local lambda engine is not running');
    const result = await lambda.invoke(name, {});
    if (result.functionError) {
      throw new Error(`seeding the catalog failed: ${JSON.stringify(result.payload)}`);
    }
    log(`catalog seeded: ${JSON.stringify(result.payload)}`);
  }

  async stop(): Promise<void> {
    await stopAll([...this.engines].reverse(), this.ctx.log);
    await this.edge.stop();
  }
}

/** The sum of a metric over every series (all dimensions) in the store. */
const sumOf = (metrics: InMemoryMetricStore, namespace: string, metricName: string): number =>
  metrics
    .list()
    .filter((series) => series.namespace === namespace && series.metricName === metricName)
    .flatMap((series) => metrics.query({ ...series, start: 0, end: Number.MAX_SAFE_INTEGER }))
    .reduce((sum, datum) => sum + datum.value, 0);

const stopAll = async (engines: readonly Engine[], log: (line: string) => void): Promise<void> => {
  for (const engine of engines) {
    try {
      await engine.stop();
    } catch (error) {
      log(`stopping ${engine.name} failed: ${(error as Error).message}`);
    }
  }
};

const portError = (error: unknown, port: number, flag: string): Error => {
  if (error instanceof PortInUseError) {
    return new Error(
      `port ${port} is already in use (another local cloud, or LocalStack?); stop it or choose another with ${flag}`,
    );
  }
  return error instanceof Error ? error : new Error(String(error));
};
