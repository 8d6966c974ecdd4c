/**
 * CloudWatch embedded metric format (EMF): the JSON log lines Powertools Metrics writes, which CloudWatch Logs
 * turns into metrics. https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import type { MetricDatum } from '#lib/local/core/types';

interface EmfDirective {
  readonly Namespace?: unknown;
  readonly Dimensions?: unknown;
  readonly Metrics?: unknown;
}

/** The metrics of one log line, or none when the line is not an EMF document. */
export const parseEmfLine = (line: string, now = Date.now()): MetricDatum[] => {
  if (!line.includes('"_aws"')) return [];
  const start = line.indexOf('{');
  if (start < 0) return [];
  let document: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line.slice(start));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return [];
    document = parsed as Record<string, unknown>;
  } catch {
    return [];
  }
  const aws = document._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (!aws || !Array.isArray(aws.CloudWatchMetrics)) return [];
  const timestamp = typeof aws.Timestamp === 'number' ? aws.Timestamp : now;

  const data: MetricDatum[] = [];
  for (const directive of aws.CloudWatchMetrics as EmfDirective[]) {
    if (typeof directive?.Namespace !== 'string' || !Array.isArray(directive.Metrics)) continue;
    const dimensionSets =
      Array.isArray(directive.Dimensions) && directive.Dimensions.length > 0
        ? (directive.Dimensions as unknown[])
        : [[]];
    for (const metric of directive.Metrics as { Name?: unknown; Unit?: unknown }[]) {
      if (typeof metric?.Name !== 'string') continue;
      const raw = document[metric.Name];
      const values = (Array.isArray(raw) ? raw : [raw]).filter(
        (value): value is number => typeof value === 'number' && Number.isFinite(value),
      );
      for (const set of dimensionSets) {
        if (!Array.isArray(set)) continue;
        const dimensions: Record<string, string> = {};
        let valid = true;
        for (const key of set) {
          const value = typeof key === 'string' ? document[key] : undefined;
          if (typeof value !== 'string') valid = false;
          else dimensions[key as string] = value;
        }
        if (!valid) continue;
        for (const value of values) {
          data.push({
            namespace: directive.Namespace,
            metricName: metric.Name,
            dimensions,
            value,
            unit: typeof metric.Unit === 'string' ? metric.Unit : undefined,
            timestamp,
          });
        }
      }
    }
  }
  return data;
};
