/** `npm start` as a user runs it: it becomes ready, prints one ready line, and Ctrl-C leaves nothing running. */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '#lib/local/cloud';
import { target } from './support/harness.ts';

const javaProcessesOf = (pid: number): string[] => {
  try {
    return execFileSync('pgrep', ['-af', `orderflow.dynamodb.owner=${pid}`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
};

describe.skipIf(target.kind !== 'local')('npm start', () => {
  it('becomes ready with its endpoints, and shuts down on Ctrl-C with no JVM left behind', async () => {
    // Act: the CLI on free ports, as `npm start` runs it.
    const child = spawn(
      join(PROJECT_ROOT, 'node_modules', '.bin', 'node'),
      ['--import', 'tsx', 'lib/local/cli.ts', '--port', '0', '--api-port', '0', '--no-synth', '--quiet'],
      { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const ready = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready after 60 s:\n${output}`)), 60_000);
      child.stdout.on('data', () => {
        const line = output.split('\n').find((candidate) => candidate.startsWith('ready'));
        if (line) {
          clearTimeout(timer);
          resolve(line);
        }
      });
      child.on('exit', (code) => reject(new Error(`exited with ${code} before ready:\n${output}`)));
    });
    const edge = /AWS APIs (http:\/\/127\.0\.0\.1:\d+)/.exec(ready)?.[1];
    const apiUrl = /Order API (http:\/\/127\.0\.0\.1:\d+)/.exec(ready)?.[1];
    const health = await (await fetch(`${edge}/_orderflow/health`)).json();
    const products = await fetch(`${apiUrl}/products`);
    const jvmsWhileRunning = javaProcessesOf(child.pid as number);

    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

    // Assess
    expect(health).toMatchObject({ status: 'ready' });
    expect(products.status).toBe(200);
    expect(jvmsWhileRunning).toHaveLength(1);
    expect(code).toBe(0);
    expect(output).toContain('stopped; nothing left running');
    // An orderly shutdown: DynamoDB Local is stopped by us, last, not killed under the engines still using it.
    expect(output).not.toMatch(/exited on its own|TTL sweep .* failed|ECONNREFUSED/);
    expect(javaProcessesOf(child.pid as number)).toEqual([]);
  }, 90_000);
});
