import { InMemoryMetricStore } from '#lib/local/core/metric-store';
import { timeScale } from '#lib/local/core/time';
import { RecordingTrace } from '#lib/local/core/trace';
import {
  type CloudContext,
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
  type LocalServices,
  type TimeScale,
} from '#lib/local/core/types';

/** A CloudContext for testing one engine alone: records its trace and metrics; services are whatever the test wires. */
export const testContext = (
  overrides: { edgeUrl?: string; time?: TimeScale; services?: LocalServices; assemblyDir?: string } = {},
): CloudContext & { trace: RecordingTrace; metrics: InMemoryMetricStore; logs: string[] } => {
  const logs: string[] = [];
  return {
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    edgeUrl: overrides.edgeUrl ?? 'http://127.0.0.1:4566',
    time: overrides.time ?? timeScale(0.01),
    trace: new RecordingTrace(),
    metrics: new InMemoryMetricStore(),
    services: overrides.services ?? {},
    assemblyDir: overrides.assemblyDir ?? 'cdk.out',
    logs,
    log: (message: string) => logs.push(message),
  };
};
