/**
 * `npm test`: lint, typecheck, then every vitest project, ending with one plain line
 * `N passed, N failed` that CI reads. Exits non-zero when anything failed.
 *
 * Runs on Node 24 directly (type stripping), so it uses only erasable TypeScript syntax.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const reportFile = join(root, '.vitest-report.json');
const extraArgs = process.argv.slice(2);

const step = (title: string, command: string, args: string[]): boolean => {
  const started = Date.now();
  process.stdout.write(`\n▶ ${title}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ok = result.status === 0;
  process.stdout.write(`${ok ? '✔' : '✖'} ${title} (${seconds}s)\n`);
  return ok;
};

const bin = (name: string): string => join(root, 'node_modules', '.bin', name);

const checks: Array<{ name: string; ok: boolean }> = [];
checks.push({ name: 'lint (biome)', ok: step('lint (biome check)', bin('biome'), ['check', '.']) });
checks.push({ name: 'typecheck (tsc)', ok: step('typecheck (tsc --noEmit)', bin('tsc'), ['--noEmit']) });

rmSync(reportFile, { force: true });
const vitestOk = step('tests (vitest)', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${reportFile}`,
  ...extraArgs,
]);

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numFailedTestSuites: number;
  testResults: Array<{ name: string; status: string; message?: string; assertionResults: unknown[] }>;
}

let passed = 0;
let failed = 0;
if (existsSync(reportFile)) {
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as VitestReport;
  passed = report.numPassedTests;
  failed = report.numFailedTests;
  // A file that fails to load has no test results of its own; count it so it cannot pass silently.
  for (const file of report.testResults) {
    if (file.status === 'failed' && file.assertionResults.length === 0) {
      failed += 1;
      process.stdout.write(`✖ ${file.name} did not load: ${file.message ?? 'unknown error'}\n`);
    }
  }
} else {
  process.stdout.write('✖ vitest wrote no report\n');
  failed += 1;
}
if (!vitestOk && failed === 0) {
  process.stdout.write('✖ vitest exited with an error although no test failed\n');
  failed += 1;
}
for (const check of checks) {
  if (!check.ok) {
    process.stdout.write(`✖ ${check.name} failed; counted as a failure\n`);
    failed += 1;
  }
}

process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
