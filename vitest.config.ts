import { defineConfig } from 'vitest/config';

/** Unit and infra tests keep Powertools quiet: no log lines, no EMF metrics on stdout, no X-Ray. */
const quietPowertools = {
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_SERVICE_NAME: 'orderflow-test',
  POWERTOOLS_METRICS_NAMESPACE: 'orderflow',
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          env: quietPowertools,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          environment: 'node',
          env: quietPowertools,
          // Synthesizing the app bundles every function; one synth per file is shared by its tests.
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'local',
          include: ['test/local/**/*.test.ts'],
          environment: 'node',
          env: quietPowertools,
          // Engines start servers (bound to 127.0.0.1 only) and, for DynamoDB, a JVM.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          env: quietPowertools,
          // One local cloud (or remote target) for the whole tier, booted in the global setup.
          globalSetup: ['test/e2e/support/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
