import type { MetricDatum, MetricQuery, MetricStore } from './types.ts';

const seriesKey = (
  namespace: string,
  metricName: string,
  dimensions: Readonly<Record<string, string>>,
): string =>
  JSON.stringify([namespace, metricName, Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b))]);

/**
 * The local CloudWatch metric store: data points per series, kept for `retentionMs`.
 * Engines put what AWS would publish (SQS depth, Lambda Errors, ExecutionsFailed ...); alarms and
 * GetMetricData read it.
 */
export class InMemoryMetricStore implements MetricStore {
  private readonly series = new Map<string, MetricDatum[]>();

  constructor(private readonly retentionMs = 3 * 60 * 60 * 1000) {}

  put(datum: MetricDatum): void {
    const key = seriesKey(datum.namespace, datum.metricName, datum.dimensions);
    let points = this.series.get(key);
    if (!points) {
      points = [];
      this.series.set(key, points);
    }
    points.push(datum);
    const oldest = datum.timestamp - this.retentionMs;
    if ((points[0]?.timestamp ?? oldest) < oldest) {
      this.series.set(
        key,
        points.filter((point) => point.timestamp >= oldest),
      );
    }
  }

  query(query: MetricQuery): MetricDatum[] {
    const points = this.series.get(seriesKey(query.namespace, query.metricName, query.dimensions)) ?? [];
    return points.filter((point) => point.timestamp >= query.start && point.timestamp < query.end);
  }

  list(): { namespace: string; metricName: string; dimensions: Record<string, string> }[] {
    return [...this.series.values()]
      .map((points) => points[0])
      .filter((point): point is MetricDatum => point !== undefined)
      .map((point) => ({
        namespace: point.namespace,
        metricName: point.metricName,
        dimensions: { ...point.dimensions },
      }));
  }
}
