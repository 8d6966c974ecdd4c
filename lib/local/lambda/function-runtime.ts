/**
 * The sandboxes of one function: worker threads created on demand (cold start), kept warm between invocations,
 * at most `concurrency` running at once, terminated on timeout or crash, and reaped when idle.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { type FunctionConfig, splitHandler } from './function-config.ts';
import type {
  AwsCallCounts,
  InvokeMessage,
  LambdaErrorPayload,
  SandboxInit,
  SandboxMessage,
} from './protocol.ts';

const WORKER_URL = new URL('./sandbox-worker.ts', import.meta.url);

const COMPILE_CACHE_DIR = join(tmpdir(), 'orderflow-lambda-compile-cache');
/** AWS gives the init phase 10 seconds. */
const INIT_TIMEOUT_MS = 10_000;
/** The Tail log of an invocation: its last 4 KB. */
const LOG_TAIL_BYTES = 4096;

export interface InvocationOutcome {
  readonly requestId: string;
  /** The handler's result, or the error payload, as JSON text. */
  readonly payload: string;
  readonly functionError?: 'Unhandled' | undefined;
  /** The errorType when the invocation failed. */
  readonly errorType?: string | undefined;
  /** Handler time in milliseconds (without the init phase). */
  readonly durationMs: number;
  readonly initDurationMs?: number | undefined;
  /** The invocation had to wait for a free concurrency slot: on AWS a synchronous caller would have been throttled. */
  readonly throttled: boolean;
  /** The function's log lines during the invocation (best effort), for X-Amz-Log-Type: Tail. */
  readonly logTail: string;
  /** The AWS API calls the function's code made, by service (none when it never ran). */
  readonly awsCalls?: AwsCallCounts | undefined;
}

export interface InvokeRequest {
  /** The event as JSON text. */
  readonly payload: string;
  readonly clientContext?: unknown;
  readonly requestId?: string;
}

/** A concurrency slot of a function: one invocation may run in it. */
export interface Slot {
  /** The caller had to wait for it. */
  readonly throttled: boolean;
  release(): void;
}

export interface RuntimeHooks {
  /** One line the function wrote to stdout or stderr. */
  readonly onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Operator diagnostics: init failures, crashes. */
  readonly log: (message: string) => void;
  /** The number of invocations running changed. */
  readonly onConcurrency?: (running: number) => void;
}

export interface RuntimeOptions {
  /** Most invocations at once: ReservedConcurrentExecutions or the engine's default. */
  readonly concurrency: number;
  /** The worker's process.env. */
  readonly environment: Readonly<Record<string, string>>;
  /** Warm sandboxes idle longer than this are terminated. */
  readonly idleMs: number;
}

/** An X-Ray trace header. Sampled=0: the X-Ray SDK records nothing and sends nothing (there is no daemon). */
export const traceHeader = (): string =>
  `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;

const errorJson = (error: LambdaErrorPayload): string => JSON.stringify(error);

class LineSplitter {
  private rest = '';
  constructor(private readonly emit: (line: string) => void) {}
  push(chunk: Buffer | string): void {
    const text = this.rest + chunk.toString();
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) this.emit(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
  flush(): void {
    if (this.rest !== '') this.emit(this.rest);
    this.rest = '';
  }
}

interface SandboxOutcome {
  readonly payload: string;
  readonly error?: LambdaErrorPayload;
  readonly fatal?: boolean;
  readonly calls?: AwsCallCounts;
}

interface Pending {
  readonly requestId: string;
  readonly resolve: (outcome: SandboxOutcome) => void;
  log: string;
}

/** One warm (or warming) sandbox: a worker thread with the function's module loaded. */
class Sandbox {
  readonly worker: Worker;
  readonly ready: Promise<{ ok: true; initDurationMs: number } | { ok: false; error: LambdaErrorPayload }>;
  private pending: Pending | undefined;
  dead = false;
  idleTimer: NodeJS.Timeout | undefined;

  constructor(
    init: SandboxInit,
    environment: Readonly<Record<string, string>>,
    memoryMb: number,
    private readonly hooks: RuntimeHooks,
  ) {
    this.worker = new Worker(WORKER_URL, {
      workerData: init,
      env: { ...environment },
      execArgv: [],
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: Math.max(64, memoryMb) },
    });
    this.capture(this.worker.stdout, 'stdout');
    this.capture(this.worker.stderr, 'stderr');

    let settleReady: (value: Awaited<Sandbox['ready']>) => void = () => {};
    this.ready = new Promise((resolve) => {
      settleReady = resolve;
    });
    const initTimer = setTimeout(() => {
      settleReady({
        ok: false,
        error: {
          errorType: 'Sandbox.Timedout',
          errorMessage: `Init phase timed out after ${INIT_TIMEOUT_MS / 1000} seconds`,
        },
      });
      this.kill();
    }, INIT_TIMEOUT_MS);

    this.worker.on('message', (message: SandboxMessage) => {
      switch (message.type) {
        case 'ready':
          clearTimeout(initTimer);
          settleReady({ ok: true, initDurationMs: message.initDurationMs });
          break;
        case 'init-error':
          clearTimeout(initTimer);
          settleReady({ ok: false, error: message.error });
          this.kill();
          break;
        case 'result':
          this.settle(message.requestId, { payload: message.payload, calls: message.calls });
          break;
        case 'error':
          this.settle(message.requestId, {
            payload: errorJson(message.error),
            error: message.error,
            calls: message.calls,
          });
          break;
        case 'fatal': {
          // An uncaught exception or unhandled rejection: fail what runs (even if it is not the culprit) and reset.
          const pending = this.pending;
          if (pending)
            this.settle(pending.requestId, {
              payload: errorJson(message.error),
              error: message.error,
              fatal: true,
              calls: message.calls,
            });
          else
            hooks.log(
              `${init.functionName}: sandbox reset after ${message.error.errorType}: ${message.error.errorMessage}`,
            );
          this.kill();
          break;
        }
      }
    });
    const died = (error: LambdaErrorPayload): void => {
      clearTimeout(initTimer);
      this.dead = true;
      settleReady({ ok: false, error });
      const pending = this.pending;
      if (pending) this.settle(pending.requestId, { payload: errorJson(error), error, fatal: true });
    };
    this.worker.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        died({
          errorType: 'Runtime.OutOfMemory',
          errorMessage: `RequestId: ${this.pending?.requestId ?? ''} Error: Runtime exited with error: signal: killed`,
        });
      } else {
        died({
          errorType: error.name || 'Error',
          errorMessage: error.message,
          trace: error.stack?.split('\n') ?? [],
        });
      }
    });
    this.worker.on('exit', (code) => {
      died({
        errorType: 'Runtime.ExitError',
        errorMessage: `RequestId: ${this.pending?.requestId ?? ''} Error: Runtime exited with error: exit status ${code}`,
      });
    });
  }

  private capture(stream: Readable, name: 'stdout' | 'stderr'): void {
    const splitter = new LineSplitter((line) => {
      const pending = this.pending;
      if (pending) {
        pending.log += `${line}\n`;
        if (pending.log.length > LOG_TAIL_BYTES * 2) pending.log = pending.log.slice(-LOG_TAIL_BYTES);
      }
      this.hooks.onLine(line, name);
    });
    stream.on('data', (chunk: Buffer) => splitter.push(chunk));
    stream.on('end', () => splitter.flush());
  }

  private settle(requestId: string, outcome: SandboxOutcome): void {
    const pending = this.pending;
    if (!pending || pending.requestId !== requestId) return;
    this.pending = undefined;
    pending.resolve(outcome);
  }

  run(message: InvokeMessage): { done: Promise<SandboxOutcome>; log: () => string } {
    let pending: Pending | undefined;
    const done = new Promise<SandboxOutcome>((resolve) => {
      pending = { requestId: message.requestId, resolve, log: '' };
    });
    this.pending = pending;
    this.worker.postMessage(message);
    return { done, log: () => pending?.log ?? '' };
  }

  /** Fails the running invocation with `error` and terminates the worker. */
  abort(error: LambdaErrorPayload): void {
    const pending = this.pending;
    if (pending) this.settle(pending.requestId, { payload: errorJson(error), error, fatal: true });
    this.kill();
  }

  kill(): void {
    this.dead = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    void this.worker.terminate().catch(() => {});
  }
}

/** The runtime of one function: its sandboxes and its concurrency. */
export class FunctionRuntime {
  private readonly idle: Sandbox[] = [];
  private readonly all = new Set<Sandbox>();
  private readonly waiters: (() => void)[] = [];
  private running = 0;
  private stopped = false;

  constructor(
    readonly config: FunctionConfig,
    private readonly options: RuntimeOptions,
    private readonly hooks: RuntimeHooks,
  ) {}

  get concurrency(): number {
    return this.options.concurrency;
  }

  /** Invocations running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Sandboxes alive (warm or busy). */
  get sandboxes(): number {
    return this.all.size;
  }

  /** Waits for a concurrency slot. Resolves `true` when it had to wait. */
  private async acquire(): Promise<boolean> {
    if (this.stopped) throw new Error(`function ${this.config.name} is stopped`);
    if (this.running < this.options.concurrency) {
      this.running += 1;
      this.hooks.onConcurrency?.(this.running);
      return false;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.stopped) throw new Error(`function ${this.config.name} is stopped`);
    this.hooks.onConcurrency?.(this.running);
    return true;
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next)
      next(); // the slot passes straight to the next caller
    else this.running -= 1;
  }

  private sandboxInit(): SandboxInit {
    const { config } = this;
    return {
      entryPath: config.entryPath ?? '',
      exportPath: splitHandler(config.handler).exportPath,
      handler: config.handler,
      functionName: config.name,
      functionArn: config.arn,
      memoryLimitInMB: config.memoryMb,
      logGroupName: config.logGroup,
      logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`,
      sourceMaps: /--enable-source-maps\b/.test(config.environment.NODE_OPTIONS ?? ''),
      compileCacheDir: COMPILE_CACHE_DIR,
    };
  }

  private takeWarm(): Sandbox | undefined {
    for (let sandbox = this.idle.pop(); sandbox; sandbox = this.idle.pop()) {
      if (sandbox.idleTimer) clearTimeout(sandbox.idleTimer);
      if (!sandbox.dead) return sandbox;
      this.forget(sandbox); // it died while idle (a late uncaught error)
    }
    return undefined;
  }

  private park(sandbox: Sandbox): void {
    if (sandbox.dead || this.stopped) {
      this.forget(sandbox);
      return;
    }
    sandbox.idleTimer = setTimeout(() => {
      const index = this.idle.indexOf(sandbox);
      if (index >= 0) this.idle.splice(index, 1);
      sandbox.kill();
      this.forget(sandbox);
    }, this.options.idleMs);
    sandbox.idleTimer.unref();
    this.idle.push(sandbox);
  }

  private forget(sandbox: Sandbox): void {
    this.all.delete(sandbox);
    if (!sandbox.dead) sandbox.kill();
  }

  /**
   * Initializes sandboxes before any invocation needs them (as Lambda may initialize execution environments
   * proactively): up to `count` in all, never more than the concurrency. They wait warm, like a sandbox after an
   * invocation. A failed init is only logged: the next invocation initializes again and reports the error.
   */
  async prewarm(count: number): Promise<void> {
    const { config } = this;
    const wanted = Math.min(count, this.options.concurrency) - this.all.size;
    if (this.stopped || wanted <= 0 || config.unsupported || !config.entryPath) return;
    await Promise.all(
      Array.from({ length: wanted }, async () => {
        const sandbox = new Sandbox(
          this.sandboxInit(),
          this.options.environment,
          config.memoryMb,
          this.hooks,
        );
        this.all.add(sandbox);
        const ready = await sandbox.ready;
        if (ready.ok) {
          this.park(sandbox);
          return;
        }
        this.forget(sandbox);
        this.hooks.log(`${config.name}: init failed: ${ready.error.errorType}: ${ready.error.errorMessage}`);
      }),
    );
  }

  /** Takes a concurrency slot, waiting for one if every slot is in use. Release it exactly once. */
  async acquireSlot(): Promise<Slot> {
    const throttled = await this.acquire();
    let released = false;
    return {
      throttled,
      release: () => {
        if (released) return;
        released = true;
        this.release();
      },
    };
  }

  /** Runs one invocation, in `slot` when the caller holds one, else in a slot it waits for. */
  async invoke(request: InvokeRequest, slot?: Slot): Promise<InvocationOutcome> {
    const requestId = request.requestId ?? randomUUID();
    const held = slot ?? (await this.acquireSlot());
    try {
      return await this.runInSlot(requestId, request, held.throttled);
    } finally {
      if (!slot) held.release();
    }
  }

  private failure(
    requestId: string,
    error: LambdaErrorPayload,
    throttled: boolean,
    durationMs = 0,
    logTail = '',
  ): InvocationOutcome {
    return {
      requestId,
      payload: errorJson(error),
      functionError: 'Unhandled',
      errorType: error.errorType,
      durationMs,
      throttled,
      logTail,
    };
  }

  private async runInSlot(
    requestId: string,
    request: InvokeRequest,
    throttled: boolean,
  ): Promise<InvocationOutcome> {
    const { config } = this;
    if (config.unsupported || !config.entryPath) {
      return this.failure(
        requestId,
        { errorType: 'Runtime.InvalidEntrypoint', errorMessage: config.unsupported ?? 'no code' },
        throttled,
      );
    }
    let sandbox = this.takeWarm();
    let initDurationMs: number | undefined;
    if (!sandbox) {
      sandbox = new Sandbox(this.sandboxInit(), this.options.environment, config.memoryMb, this.hooks);
      this.all.add(sandbox);
      const ready = await sandbox.ready;
      if (!ready.ok) {
        this.forget(sandbox);
        this.hooks.log(`${config.name}: init failed: ${ready.error.errorType}: ${ready.error.errorMessage}`);
        return this.failure(requestId, ready.error, throttled);
      }
      initDurationMs = ready.initDurationMs;
    }

    const timeoutMs = config.timeoutSeconds * 1000;
    const started = performance.now();
    const run = sandbox.run({
      type: 'invoke',
      requestId,
      payload: request.payload,
      deadline: Date.now() + timeoutMs,
      traceId: traceHeader(),
      clientContext: request.clientContext,
    });
    const active = sandbox;
    const timer = setTimeout(() => {
      active.abort({
        errorType: 'Sandbox.Timedout',
        errorMessage: `RequestId: ${requestId} Error: Task timed out after ${config.timeoutSeconds.toFixed(2)} seconds`,
      });
    }, timeoutMs);
    const outcome = await run.done;
    clearTimeout(timer);
    const durationMs = performance.now() - started;

    if (outcome.fatal || sandbox.dead) this.forget(sandbox);
    else this.park(sandbox);

    if (outcome.error) {
      return {
        ...this.failure(requestId, outcome.error, throttled, durationMs, run.log()),
        initDurationMs,
        awsCalls: outcome.calls,
      };
    }
    return {
      requestId,
      payload: outcome.payload,
      durationMs,
      initDurationMs,
      throttled,
      logTail: run.log(),
      awsCalls: outcome.calls,
    };
  }

  /** Terminates every sandbox; invocations in progress fail, waiting ones are refused. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const waiter of this.waiters.splice(0)) waiter();
    const sandboxes = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    for (const sandbox of sandboxes) {
      sandbox.abort({ errorType: 'Runtime.ExitError', errorMessage: 'the local cloud is shutting down' });
    }
    await Promise.all(sandboxes.map((sandbox) => sandbox.worker.terminate().catch(() => 0)));
  }
}
