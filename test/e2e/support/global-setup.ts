/**
 * Chooses what the end-to-end suite runs against, from ORDERFLOW_TARGET:
 * - unset or `local`: boots the local cloud in this process (random ports, ORDERFLOW_TIME_SCALE or 0.01);
 * - `localstack`: a LocalStack with orderflow deployed by `npm run deploy:localstack` (LOCALSTACK_ENDPOINT,
 *   default http://localhost:4566);
 * - `aws`: the stacks deployed in the account and region of the current AWS credentials.
 * When the target cannot be reached, the suite is skipped with the reason, never failed.
 */
import type { TestProject } from 'vitest/node';
import { LocalCloud } from '#lib/local/cloud';
import { timeScale, timeScaleFromEnv } from '#lib/local/core/time';
import { describeRemoteTarget, type E2eTarget } from './remote.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    e2eTarget: E2eTarget;
  }
}

let cloud: LocalCloud | undefined;

export async function setup(project: TestProject): Promise<void> {
  const kind = (process.env.ORDERFLOW_TARGET ?? 'local').toLowerCase();
  if (kind !== 'local') {
    const target = await describeRemoteTarget(kind);
    if (target.skipReason) console.warn(`[e2e] the end-to-end suite is skipped: ${target.skipReason}`);
    else console.log(`[e2e] running against ${kind}: ${target.apiUrl}`);
    project.provide('e2eTarget', target);
    return;
  }
  cloud = await LocalCloud.start({
    edgePort: 0,
    apiPort: 0,
    time: process.env.ORDERFLOW_TIME_SCALE ? timeScaleFromEnv() : timeScale(0.01),
    synth: 'if-stale',
    // Several sandboxes per function, so concurrent invocations of one function (racing reservations,
    // duplicate deliveries) really overlap, as they do on AWS.
    defaultConcurrency: 3,
  });
  project.provide('e2eTarget', {
    kind: 'local',
    apiUrl: cloud.apiUrl,
    endpoint: cloud.edgeUrl,
    region: cloud.ctx.region,
    outputs: Object.fromEntries(Object.entries(cloud.outputs).map(([key, value]) => [key, String(value)])),
    timeFactor: cloud.time.factor,
  });
}

export async function teardown(): Promise<void> {
  await cloud?.stop();
  cloud = undefined;
}
