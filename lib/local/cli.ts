/**
 * `npm start`: runs orderflow's synthesized stacks on this machine, with no Docker and no AWS account.
 *
 *   npm start                       Order API on :3000, every AWS API on :4566
 *   npm start -- --port 4567 --api-port 3001
 *   ORDERFLOW_TIME_SCALE=0.01 npm start   fault scenarios (retries, DLQs, alarms) in seconds
 *   npm start -- --verbose          every trace event and every function's log lines
 */
import { parseArgs } from 'node:util';
import { LocalCloud } from './cloud.ts';
import { timeScaleFromEnv } from './core/time.ts';
import { formatTrace, isShown } from './trace-printer.ts';

const port = (value: string | undefined, fallback: number, name: string): number => {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65_535) {
    throw new Error(`${name} must be a port number (0-65535), got "${value}"`);
  }
  return number;
};

const positiveInteger = (value: string, name: string): number => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new Error(`${name} must be a whole number of 1 or more, got "${value}"`);
  return number;
};

const main = async (): Promise<void> => {
  const startedAt = Date.now();
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'api-port': { type: 'string' },
      'no-synth': { type: 'boolean', default: false },
      concurrency: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(`usage: npm start -- [--port 4566] [--api-port 3000] [--no-synth] [--concurrency 1] [--verbose|--quiet]
  --port         the edge endpoint for every AWS API (env ORDERFLOW_EDGE_PORT, default 4566)
  --api-port     the Order API (env ORDERFLOW_API_PORT, default 3000)
  --no-synth     use cdk.out as it is, even if the code changed since it was synthesized
  --concurrency  sandboxes per function without reserved concurrency (default 1: fastest on a laptop;
                 raise it to let invocations of one function overlap, as they do on AWS)
  --verbose      show every trace event and the functions' log lines; --quiet shows none
env ORDERFLOW_TIME_SCALE (a positive factor, e.g. 0.01) shrinks visibility timeouts, retries, alarm periods and batching windows`);
    return;
  }
  const cloud = await LocalCloud.start({
    edgePort: port(values.port ?? process.env.ORDERFLOW_EDGE_PORT, 4566, '--port'),
    apiPort: port(values['api-port'] ?? process.env.ORDERFLOW_API_PORT, 3000, '--api-port'),
    time: timeScaleFromEnv(),
    synth: values['no-synth'] ? 'never' : 'if-stale',
    ...(values.concurrency === undefined
      ? {}
      : { defaultConcurrency: positiveInteger(values.concurrency, '--concurrency') }),
    verbose: values.verbose,
    log: (line) => console.log(line),
    onTrace: values.quiet
      ? undefined
      : (event) => {
          if (isShown(event, values.verbose)) console.log(formatTrace(event));
        },
  });
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  console.log(
    `ready in ${seconds}s · Order API ${cloud.apiUrl} · AWS APIs ${cloud.edgeUrl} · time scale ${cloud.time.factor} · Ctrl-C to stop`,
  );

  let stoppingSince = 0;
  const stop = (signal: string) => {
    // A terminal's Ctrl-C can reach us twice at once (process group plus a wrapper relaying it); only a
    // second Ctrl-C pressed later forces the exit.
    if (stoppingSince > 0) {
      if (Date.now() - stoppingSince < 1000) return;
      console.log('forced exit');
      process.exit(130);
    }
    stoppingSince = Date.now();
    console.log(`\n${signal}: shutting down…`);
    cloud
      .stop()
      .then(() => {
        console.log('stopped; nothing left running');
        process.exit(0);
      })
      .catch((error: unknown) => {
        console.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
};

main().catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
