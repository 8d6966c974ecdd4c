import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDbEngine } from '#lib/local/dynamodb/engine';
import { OWNER_PROPERTY } from '#lib/local/dynamodb/local-process';
import { testContext } from '../support/context.ts';

const CHILD = join(import.meta.dirname, 'fixtures', 'engine-child.ts');
const children: ChildProcess[] = [];

/** The JVMs (and watchdog shells) whose command line names `owner` as their owning pid. */
const jvmsOf = (owner: number): string[] => {
  const found = spawnSync('pgrep', ['-f', `${OWNER_PROPERTY}=${owner}( |$)`], { encoding: 'utf8' });
  return found.stdout.split('\n').filter(Boolean);
};

const waitUntil = async (condition: () => boolean, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
};

interface ChildReport {
  pid: number;
  jvm: { pid: number; port: number; lifeline: string };
  startupMs: number;
}

/** Starts the fixture under tsx and resolves with its report line once its engine is up. */
const startParent = (mode: 'auto' | 'watchdog'): Promise<{ child: ChildProcess; report: ChildReport }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode], {
      cwd: join(import.meta.dirname, '..', '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve({ child, report: JSON.parse(line) as ChildReport });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('exit', (code, signal) => reject(new Error(`parent exited early (${code ?? signal}): ${err}`)));
  });

const exitOf = (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

afterAll(() => {
  // Never leave anything behind, even when an assertion failed half-way.
  for (const child of children) {
    if (child.pid === undefined) continue;
    for (const pid of jvmsOf(child.pid)) process.kill(Number(pid), 'SIGKILL');
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

// The parents start concurrently: each spawns its own JVM, and they share two cores.
describe.concurrent('the DynamoDB Local JVM never outlives its parent', () => {
  it('dies when its parent is SIGKILLed (setpriv --pdeathsig)', async () => {
    const { child, report } = await startParent('auto');
    expect(report.jvm.lifeline).toBe(process.platform === 'linux' ? 'pdeathsig' : 'watchdog');
    expect(jvmsOf(report.pid)).toHaveLength(1);
    child.kill('SIGKILL');
    expect(await waitUntil(() => jvmsOf(report.pid).length === 0, 5000)).toBe(true);
  });

  it('dies when its parent is SIGKILLed (stdin watchdog)', async () => {
    const { child, report } = await startParent('watchdog');
    expect(report.jvm.lifeline).toBe('watchdog');
    // The watchdog shell carries the marker too (it holds java's arguments).
    expect(jvmsOf(report.pid).length).toBeGreaterThanOrEqual(1);
    child.kill('SIGKILL');
    expect(await waitUntil(() => jvmsOf(report.pid).length === 0, 5000)).toBe(true);
  });

  it('is killed on SIGTERM, and the parent still ends as SIGTERM would end it', async () => {
    const { child, report } = await startParent('auto');
    expect(jvmsOf(report.pid)).toHaveLength(1);
    child.kill('SIGTERM');
    expect(await exitOf(child)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(await waitUntil(() => jvmsOf(report.pid).length === 0, 5000)).toBe(true);
  });
});

describe('a missing or old Java', () => {
  it('fails to start with a message naming what to install when there is no java', async () => {
    const engine = new DynamoDbEngine(testContext(), { env: { PATH: '/nonexistent' } });
    await expect(engine.start()).rejects.toThrow(
      /needs Java 17 or later.*no `java` was found.*openjdk-17-jre-headless/s,
    );
  });

  it('fails to start with a message naming the old version when java is too old', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orderflow-old-java-'));
    try {
      const java = join(dir, 'java');
      writeFileSync(
        java,
        [
          '#!/bin/sh',
          'if [ "$1" = "-version" ]; then echo \'openjdk version "11.0.2" 2019-01-15\' >&2; exit 0; fi',
          "echo 'Error: LinkageError occurred while loading main class software.amazon.dynamodb.services.local.main.ServerRunner' >&2",
          "echo 'java.lang.UnsupportedClassVersionError: ServerRunner has been compiled by a more recent version of the Java Runtime (class file version 61.0)' >&2",
          'exit 1',
        ].join('\n'),
      );
      chmodSync(java, 0o755);
      const engine = new DynamoDbEngine(testContext(), {
        env: { PATH: `${dir}:${process.env.PATH ?? ''}` },
        startTimeoutMs: 10_000,
      });
      await expect(engine.start()).rejects.toThrow(
        /needs Java 17 or later, but .* is openjdk version "11\.0\.2"/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
