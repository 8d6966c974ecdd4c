/**
 * The local CloudWatch: the template's alarms, evaluated on the local metrics (ctx.metrics) every scaled
 * period as CloudWatch evaluates them; state changes recorded (StateReason, StateReasonData, history),
 * traced, and acted on by publishing AWS-format notifications to the alarm's SNS actions; and the
 * CloudWatch API on the edge (DescribeAlarms, GetMetricData, PutMetricData ...) in every wire protocol
 * clients use.
 */
import { AwsApiError, arn } from '#lib/local/core/aws-protocol';
import type {
  CloudContext,
  Engine,
  ProvisionedResource,
  ResourceProvider,
  TemplateResource,
} from '#lib/local/core/types';
import { physicalName } from '#lib/local/template/physical-name';
import {
  type CompositeAlarmConfig,
  compositeAlarmConfig,
  dimensionRecord,
  type MetricAlarmConfig,
  metricAlarmConfig,
  readDimensions,
} from './alarm-config.ts';
import { type AlarmStateValue, evaluateRule, ruleAlarms } from './composite-rule.ts';
import { evaluateAlarm, evaluationRangeSize, type PeriodDatapoint } from './evaluate.ts';
import { cloudWatchTimestamp, javaJson } from './format.ts';
import { asSeries, evaluateExpression, parseExpression, type Series } from './metric-math.ts';
import {
  getMetricData,
  getMetricStatistics,
  listMetrics,
  nextToken,
  pageStart,
  putMetricData,
} from './metrics-api.ts';
import { compositeAlarmMessage, metricAlarmMessage, notificationSubject } from './notification.ts';
import { aggregate, lowSampleCount, parseStatistic } from './statistics.ts';
import { CloudWatchHandler } from './wire/handler.ts';

export const ALARM_STATES: readonly AlarmStateValue[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

interface AlarmState {
  readonly value: AlarmStateValue;
  readonly reason: string;
  readonly reasonData?: string | undefined;
  /** Epoch ms of the last state update (StateUpdatedTimestamp). */
  readonly updatedAt: number;
  /** Epoch ms of the last change of StateValue (StateTransitionedTimestamp). */
  readonly transitionedAt: number;
}

interface MetricAlarmRecord {
  readonly kind: 'MetricAlarm';
  config: MetricAlarmConfig;
  state: AlarmState;
  actionsEnabled: boolean;
  configurationUpdatedAt: number;
  timer?: NodeJS.Timeout | undefined;
}

interface CompositeAlarmRecord {
  readonly kind: 'CompositeAlarm';
  config: CompositeAlarmConfig;
  state: AlarmState;
  actionsEnabled: boolean;
  configurationUpdatedAt: number;
}

type AlarmRecord = MetricAlarmRecord | CompositeAlarmRecord;

/** An AlarmHistoryItem as DescribeAlarmHistory returns it (Timestamp in epoch ms). */
export interface AlarmHistoryItem {
  readonly AlarmName: string;
  readonly AlarmType: 'MetricAlarm' | 'CompositeAlarm';
  readonly Timestamp: number;
  readonly HistoryItemType: 'ConfigurationUpdate' | 'StateUpdate' | 'Action';
  readonly HistorySummary: string;
  readonly HistoryData: string;
}

const HISTORY_RETENTION_MS = 14 * 24 * 60 * 60 * 1000;
const HISTORY_LIMIT = 10_000;

const notFound = (name: string): AwsApiError =>
  new AwsApiError('ResourceNotFound', `Alarm ${name} not found`, 404);

const LONG_DATE_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const LONG_DATE_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** `Wednesday 15 September, 2021 18:32:31 UTC`, as composite alarm reasons write dates. */
const longDate = (epochMs: number): string => {
  const date = new Date(epochMs);
  const time = date.toISOString().slice(11, 19);
  return `${LONG_DATE_DAYS[date.getUTCDay()]} ${String(date.getUTCDate()).padStart(2, '0')} ${LONG_DATE_MONTHS[date.getUTCMonth()]}, ${date.getUTCFullYear()} ${time} UTC`;
};

/** The name the template gives a resource in `property`, or the name CloudFormation would generate for it. */
const nameOf = (resource: TemplateResource, property: string, maxLength = 255): string => {
  const given = (resource.properties as Record<string, unknown>)[property];
  return typeof given === 'string' && given !== ''
    ? given
    : physicalName(resource.stackName, resource.logicalId, { maxLength });
};

export class CloudWatchEngine implements Engine {
  readonly name = 'cloudwatch';
  readonly providers: readonly ResourceProvider[];
  readonly handler: CloudWatchHandler;
  readonly handlers: readonly CloudWatchHandler[];

  private readonly alarms = new Map<string, AlarmRecord>();
  private readonly dashboards = new Map<string, unknown>();
  private history: AlarmHistoryItem[] = [];
  private readonly pending = new Set<Promise<void>>();
  private started = false;

  constructor(private readonly ctx: CloudContext) {
    this.handler = new CloudWatchHandler((operation, input) => this.runOperation(operation, input));
    this.handlers = [this.handler];
    this.providers = [
      {
        types: ['AWS::CloudWatch::Alarm'],
        provision: async (resource) => this.provisionAlarm(resource),
      },
      {
        types: ['AWS::CloudWatch::CompositeAlarm'],
        provision: async (resource) => this.provisionCompositeAlarm(resource),
      },
      {
        types: ['AWS::CloudWatch::Dashboard'],
        provision: async (resource) => this.provisionDashboard(resource),
      },
    ];
  }

  async start(): Promise<void> {
    this.started = true;
    for (const record of this.alarms.values()) if (record.kind === 'MetricAlarm') this.schedule(record);
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const record of this.alarms.values()) {
      if (record.kind === 'MetricAlarm') {
        clearInterval(record.timer);
        record.timer = undefined;
      }
    }
    await this.settled();
  }

  /** Waits until every alarm action started so far has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Provisioning

  private alarmArn(name: string): string {
    return arn('cloudwatch', `alarm:${name}`, this.ctx.region, this.ctx.accountId);
  }

  private async provisionAlarm(resource: TemplateResource): Promise<ProvisionedResource> {
    const properties = resource.properties as Record<string, unknown>;
    const name = nameOf(resource, 'AlarmName');
    if (this.alarms.has(name)) throw new Error(`the alarm ${name} already exists (${resource.logicalId})`);
    this.putMetricAlarm({ ...properties, AlarmName: name });
    return { ref: name, attributes: { Arn: this.alarmArn(name) } };
  }

  private async provisionCompositeAlarm(resource: TemplateResource): Promise<ProvisionedResource> {
    const properties = resource.properties as Record<string, unknown>;
    const name = nameOf(resource, 'AlarmName');
    if (this.alarms.has(name)) throw new Error(`the alarm ${name} already exists (${resource.logicalId})`);
    this.putCompositeAlarm({ ...properties, AlarmName: name });
    return { ref: name, attributes: { Arn: this.alarmArn(name) } };
  }

  private async provisionDashboard(resource: TemplateResource): Promise<ProvisionedResource> {
    const properties = resource.properties as Record<string, unknown>;
    const name = nameOf(resource, 'DashboardName', 255);
    this.dashboards.set(name, properties.DashboardBody);
    return { ref: name, attributes: {} };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Alarms: create, update, delete, state

  /** PutMetricAlarm: creates an alarm (state INSUFFICIENT_DATA) or updates one, keeping its state. */
  putMetricAlarm(input: Record<string, unknown>, now = Date.now()): MetricAlarmConfig {
    const name = typeof input.AlarmName === 'string' ? input.AlarmName : '';
    const config = metricAlarmConfig(input, name, this.alarmArn(name));
    const existing = this.alarms.get(name);
    if (existing && existing.kind !== 'MetricAlarm') {
      throw new AwsApiError('InvalidParameterValue', `The alarm ${name} is a composite alarm.`);
    }
    if (existing) {
      existing.config = config;
      existing.actionsEnabled = config.actionsEnabled;
      existing.configurationUpdatedAt = now;
      this.record(name, 'MetricAlarm', now, 'ConfigurationUpdate', `Alarm "${name}" updated`, {
        type: 'Update',
        version: '1.0',
      });
      this.schedule(existing);
      return config;
    }
    const record: MetricAlarmRecord = {
      kind: 'MetricAlarm',
      config,
      state: {
        value: 'INSUFFICIENT_DATA',
        reason: 'Unchecked: Initial alarm creation',
        updatedAt: now,
        transitionedAt: now,
      },
      actionsEnabled: config.actionsEnabled,
      configurationUpdatedAt: now,
    };
    this.alarms.set(name, record);
    this.record(name, 'MetricAlarm', now, 'ConfigurationUpdate', `Alarm "${name}" created`, {
      type: 'Create',
      version: '1.0',
    });
    this.schedule(record);
    return config;
  }

  /** PutCompositeAlarm: creates or updates a composite alarm and evaluates its rule at once. */
  putCompositeAlarm(input: Record<string, unknown>, now = Date.now()): CompositeAlarmConfig {
    const name = typeof input.AlarmName === 'string' ? input.AlarmName : '';
    const config = compositeAlarmConfig(input, name, this.alarmArn(name));
    const existing = this.alarms.get(name);
    if (existing && existing.kind !== 'CompositeAlarm') {
      throw new AwsApiError('InvalidParameterValue', `The alarm ${name} is a metric alarm.`);
    }
    if (existing) {
      existing.config = config;
      existing.actionsEnabled = config.actionsEnabled;
      existing.configurationUpdatedAt = now;
      this.record(name, 'CompositeAlarm', now, 'ConfigurationUpdate', `Alarm "${name}" updated`, {
        type: 'Update',
        version: '1.0',
      });
      this.evaluateComposite(existing, now);
      return config;
    }
    const record: CompositeAlarmRecord = {
      kind: 'CompositeAlarm',
      config,
      state: {
        value: 'INSUFFICIENT_DATA',
        reason: 'Unchecked: Initial alarm creation',
        updatedAt: now,
        transitionedAt: now,
      },
      actionsEnabled: config.actionsEnabled,
      configurationUpdatedAt: now,
    };
    this.alarms.set(name, record);
    this.record(name, 'CompositeAlarm', now, 'ConfigurationUpdate', `Alarm "${name}" created`, {
      type: 'Create',
      version: '1.0',
    });
    this.evaluateComposite(record, now);
    return config;
  }

  deleteAlarms(names: readonly string[], now = Date.now()): void {
    const unknown = names.filter((name) => !this.alarms.has(name));
    if (unknown.length > 0) throw notFound(unknown.join(', '));
    for (const name of names) {
      const record = this.alarms.get(name);
      if (record?.kind === 'MetricAlarm') clearInterval(record.timer);
      this.alarms.delete(name);
      if (record) {
        this.record(name, record.kind, now, 'ConfigurationUpdate', `Alarm "${name}" deleted`, {
          type: 'Delete',
          version: '1.0',
        });
      }
    }
  }

  /** SetAlarmState: sets the state until the next evaluation; a changed state runs the state's actions. */
  setAlarmState(
    name: string,
    stateValue: string,
    stateReason: string,
    stateReasonData?: string,
    now = Date.now(),
  ): void {
    const record = this.alarms.get(name);
    if (!record) throw notFound(name);
    if (!(ALARM_STATES as readonly string[]).includes(stateValue)) {
      throw new AwsApiError(
        'InvalidParameterValue',
        `The value ${stateValue} for parameter StateValue is invalid.`,
      );
    }
    if (!stateReason) throw new AwsApiError('MissingParameter', 'The parameter StateReason is required.');
    if (stateReason.length > 1023) {
      throw new AwsApiError(
        'InvalidParameterValue',
        'The parameter StateReason must be at most 1023 characters.',
      );
    }
    if (stateReasonData !== undefined) {
      try {
        JSON.parse(stateReasonData);
      } catch {
        throw new AwsApiError(
          'InvalidFormat',
          'Unable to parse StateReasonData: it must be a JSON document.',
        );
      }
    }
    this.transition(record, stateValue as AlarmStateValue, stateReason, stateReasonData, now);
  }

  /** EnableAlarmActions / DisableAlarmActions. Unknown names are ignored, as CloudWatch ignores them. */
  setActionsEnabled(names: readonly string[], enabled: boolean): void {
    for (const name of names) {
      const record = this.alarms.get(name);
      if (record) record.actionsEnabled = enabled;
    }
  }

  /** An alarm as DescribeAlarms shows it, or undefined. */
  describeAlarm(name: string): Record<string, unknown> | undefined {
    const record = this.alarms.get(name);
    if (!record) return undefined;
    return record.kind === 'MetricAlarm'
      ? this.describeMetricAlarm(record)
      : this.describeCompositeAlarm(record);
  }

  /** Every alarm name, sorted. */
  alarmNames(): string[] {
    return [...this.alarms.keys()].sort();
  }

  /** The alarm history, oldest first. */
  alarmHistory(name?: string): readonly AlarmHistoryItem[] {
    return name === undefined ? this.history : this.history.filter((item) => item.AlarmName === name);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Evaluation

  private schedule(record: MetricAlarmRecord): void {
    clearInterval(record.timer);
    record.timer = undefined;
    if (!this.started) return;
    // CloudWatch evaluates every minute (every period, for shorter periods), on the scaled clock.
    const interval = Math.max(5, this.ctx.time.ms(Math.min(record.config.period, 60)));
    const name = record.config.alarmName;
    record.timer = setInterval(() => {
      try {
        this.evaluate(name);
      } catch (error) {
        this.ctx.log(
          `cloudwatch: evaluating alarm ${name} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }, interval);
    record.timer.unref();
  }

  /**
   * Evaluates a metric alarm now (the engine does this on its own every scaled minute) and applies the
   * outcome. Returns the state after evaluation.
   */
  evaluate(name: string, now = Date.now()): AlarmStateValue {
    const record = this.alarms.get(name);
    if (!record) throw notFound(name);
    if (record.kind === 'CompositeAlarm') {
      this.evaluateComposite(record, now);
      return record.state.value;
    }
    const config = record.config;
    const outcome = evaluateAlarm(
      {
        evaluationPeriods: config.evaluationPeriods,
        datapointsToAlarm: config.datapointsToAlarm,
        threshold: config.threshold,
        comparisonOperator: config.comparisonOperator,
        // "Alarms that evaluate metrics in the AWS/DynamoDB namespace always ignore missing data."
        treatMissingData: config.namespace === 'AWS/DynamoDB' ? 'ignore' : config.treatMissingData,
        period: config.period,
        statistic: config.statistic ?? config.extendedStatistic,
        unit: config.unit,
      },
      this.evaluationRange(config, now),
      now,
    );
    if (outcome && outcome.state !== record.state.value) {
      this.transition(record, outcome.state, outcome.reason, outcome.reasonData, now);
    }
    return record.state.value;
  }

  /** The evaluation range's periods, newest first, aggregated from the metric store. */
  private evaluationRange(config: MetricAlarmConfig, now: number): PeriodDatapoint[] {
    const periodMs = this.ctx.time.ms(config.period);
    const size = evaluationRangeSize(config.evaluationPeriods);
    const starts = Array.from({ length: size }, (_, index) => now - (index + 1) * periodMs);
    const windows = (metric: {
      namespace: string;
      metricName: string;
      dimensions: Record<string, string>;
      unit?: string | undefined;
    }): number[][] => {
      const buckets = starts.map((): number[] => []);
      for (const datum of this.ctx.metrics.query({ ...metric, start: now - size * periodMs, end: now })) {
        if (metric.unit !== undefined && (datum.unit ?? 'None') !== metric.unit) continue;
        const index = Math.ceil((now - datum.timestamp) / periodMs) - 1;
        buckets[index]?.push(datum.value);
      }
      return buckets;
    };
    if (!config.metrics) {
      const stat = config.stat ?? parseStatistic(config.statistic ?? 'Average');
      const ignoreLowSamples = config.evaluateLowSampleCountPercentile === 'ignore';
      return windows({
        namespace: config.namespace ?? '',
        metricName: config.metricName ?? '',
        dimensions: dimensionRecord(config.dimensions),
        unit: config.unit,
      }).map((values, index) => {
        const timestamp = starts[index] ?? now;
        if (values.length === 0 || (ignoreLowSamples && lowSampleCount(stat, values.length)))
          return { timestamp };
        return { timestamp, value: aggregate(values, stat), sampleCount: values.length };
      });
    }
    // Metric math: every MetricStat per window, then the expressions.
    const queries = new Map(config.metrics.map((query) => [query.Id, query]));
    const computed = new Map<string, Series>();
    const seriesOf = (id: string): Series | undefined => {
      const known = computed.get(id);
      if (known) return known;
      const query = queries.get(id);
      if (!query) return undefined;
      let series: Series;
      if (query.MetricStat) {
        const stat = parseStatistic(query.MetricStat.Stat);
        const points = new Map<number, number>();
        windows({
          namespace: query.MetricStat.Metric.Namespace ?? '',
          metricName: query.MetricStat.Metric.MetricName ?? '',
          dimensions: dimensionRecord(query.MetricStat.Metric.Dimensions ?? []),
          unit: query.MetricStat.Unit,
        }).forEach((values, index) => {
          const value = aggregate(values, stat);
          const timestamp = starts[index];
          if (value !== undefined && timestamp !== undefined) points.set(timestamp, value);
        });
        series = points;
      } else {
        computed.set(id, new Map());
        const expression = query.Expression ?? '';
        series = asSeries(
          expression,
          evaluateExpression(expression, parseExpression(expression), seriesOf, starts),
          starts,
        );
      }
      computed.set(id, series);
      return series;
    };
    const returning = config.metrics.find((query) => query.ReturnData !== false);
    const result = returning
      ? (seriesOf(returning.Id) ?? new Map<number, number>())
      : new Map<number, number>();
    return starts.map((timestamp) => {
      const value = result.get(timestamp);
      return value === undefined || Number.isNaN(value) ? { timestamp } : { timestamp, value };
    });
  }

  private lookup(reference: string): AlarmRecord | undefined {
    const byName = this.alarms.get(reference);
    if (byName) return byName;
    const prefix = `arn:aws:cloudwatch:${this.ctx.region}:${this.ctx.accountId}:alarm:`;
    return reference.startsWith(prefix) ? this.alarms.get(reference.slice(prefix.length)) : undefined;
  }

  private evaluateComposite(record: CompositeAlarmRecord, now: number): void {
    const stateOf = (reference: string): AlarmStateValue =>
      this.lookup(reference)?.state.value ?? 'INSUFFICIENT_DATA';
    const next: AlarmStateValue = evaluateRule(record.config.rule, stateOf) ? 'ALARM' : 'OK';
    if (next === record.state.value) return;
    const children = [...ruleAlarms(record.config.rule)]
      .map((reference) => this.lookup(reference))
      .filter((child): child is AlarmRecord => child !== undefined)
      .sort((a, b) => b.state.transitionedAt - a.state.transitionedAt);
    const trigger = children[0];
    const reason = trigger
      ? `${trigger.config.alarmArn} transitioned to ${trigger.state.value} at ${longDate(trigger.state.transitionedAt)}`
      : `Alarm rule ${record.config.alarmRule} evaluated to ${next === 'ALARM' ? 'TRUE' : 'FALSE'}`;
    const reasonData = javaJson(
      {
        triggeringAlarms: (trigger ? [trigger] : []).map((child) => ({
          arn: child.config.alarmArn,
          state: { value: child.state.value, timestamp: cloudWatchTimestamp(child.state.transitionedAt) },
        })),
      },
      new Set(),
    );
    this.transition(record, next, reason, reasonData, now);
  }

  /** Applies a new state: records it, traces it and, when the value changed, runs the state's actions. */
  private transition(
    record: AlarmRecord,
    value: AlarmStateValue,
    reason: string,
    reasonData: string | undefined,
    now: number,
  ): void {
    const old = record.state;
    const changed = old.value !== value;
    record.state = {
      value,
      reason,
      reasonData,
      updatedAt: now,
      transitionedAt: changed ? now : old.transitionedAt,
    };
    const name = record.config.alarmName;
    const stateJson = (state: AlarmState): string =>
      `{"stateValue":${JSON.stringify(state.value)},"stateReason":${JSON.stringify(state.reason)}${
        state.reasonData !== undefined ? `,"stateReasonData":${state.reasonData}` : ''
      }}`;
    this.push({
      AlarmName: name,
      AlarmType: record.kind,
      Timestamp: now,
      HistoryItemType: 'StateUpdate',
      HistorySummary: `Alarm updated from ${old.value} to ${value}`,
      HistoryData: `{"version":"1.0","oldState":${stateJson(old)},"newState":${stateJson(record.state)}}`,
    });
    if (!changed) return;
    this.ctx.trace.emit({ service: 'alarm', event: name, outcome: `${value} (was ${old.value})` });
    if (record.actionsEnabled) {
      const actions =
        value === 'ALARM'
          ? record.config.alarmActions
          : value === 'OK'
            ? record.config.okActions
            : record.config.insufficientDataActions;
      if (actions.length > 0) {
        const change = { oldState: old.value, newState: value, reason, changedAt: now };
        const common = {
          accountId: this.ctx.accountId,
          region: this.ctx.region,
          configurationUpdatedAt: record.configurationUpdatedAt,
        };
        const message =
          record.kind === 'MetricAlarm'
            ? metricAlarmMessage(record.config, change, common)
            : compositeAlarmMessage(
                record.config,
                change,
                common,
                [...ruleAlarms(record.config.rule)]
                  .map((reference) => this.lookup(reference))
                  .filter((child): child is AlarmRecord => child?.state.value === value)
                  .map((child) => ({
                    arn: child.config.alarmArn,
                    state: child.state.value,
                    timestamp: child.state.transitionedAt,
                  })),
              );
        const subject = notificationSubject(value, name, this.ctx.region);
        for (const action of actions) this.track(this.runAction(record, action, subject, message, now));
      }
    }
    // Composite alarms that watch this one.
    for (const other of this.alarms.values()) {
      if (other.kind !== 'CompositeAlarm' || other === record) continue;
      const watched = [...ruleAlarms(other.config.rule)].some(
        (reference) => this.lookup(reference) === record,
      );
      if (watched) this.evaluateComposite(other, now);
    }
  }

  private track(promise: Promise<void>): void {
    const tracked = promise.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private async runAction(
    record: AlarmRecord,
    action: string,
    subject: string,
    message: string,
    stateUpdatedAt: number,
  ): Promise<void> {
    const name = record.config.alarmName;
    const data = (actionState: string, extra: Record<string, unknown>) => ({
      actionState,
      stateUpdateTimestamp: stateUpdatedAt,
      notificationResource: action,
      ...extra,
    });
    if (!action.startsWith('arn:aws:sns:')) {
      this.ctx.log(`cloudwatch: alarm ${name}: the action ${action} is not emulated (only SNS actions are)`);
      this.record(
        name,
        record.kind,
        Date.now(),
        'Action',
        `Failed to execute action ${action}. Reason: not emulated by the local cloud`,
        data('Failed', { error: 'not emulated by the local cloud' }),
      );
      return;
    }
    try {
      const sns = this.ctx.services.sns;
      if (!sns) throw new Error('the local sns engine is not running');
      await sns.publish(action, message, { subject });
      this.record(
        name,
        record.kind,
        Date.now(),
        'Action',
        `Successfully executed action ${action}`,
        data('Succeeded', { publishedMessage: message }),
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.ctx.log(`cloudwatch: alarm ${name}: publishing to ${action} failed: ${reason}`);
      this.record(
        name,
        record.kind,
        Date.now(),
        'Action',
        `Failed to execute action ${action}. Reason: ${reason}`,
        data('Failed', { error: reason }),
      );
    }
  }

  private record(
    name: string,
    type: AlarmRecord['kind'],
    timestamp: number,
    itemType: AlarmHistoryItem['HistoryItemType'],
    summary: string,
    data: Record<string, unknown>,
  ): void {
    this.push({
      AlarmName: name,
      AlarmType: type,
      Timestamp: timestamp,
      HistoryItemType: itemType,
      HistorySummary: summary,
      HistoryData: JSON.stringify(data),
    });
  }

  private push(item: AlarmHistoryItem): void {
    this.history.push(item);
    const oldest = item.Timestamp - HISTORY_RETENTION_MS;
    if (this.history.length > HISTORY_LIMIT || (this.history[0]?.Timestamp ?? oldest) < oldest) {
      this.history = this.history.filter((entry) => entry.Timestamp >= oldest).slice(-HISTORY_LIMIT);
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // The API

  private describeMetricAlarm(record: MetricAlarmRecord): Record<string, unknown> {
    const config = record.config;
    return {
      AlarmName: config.alarmName,
      AlarmArn: config.alarmArn,
      AlarmDescription: config.alarmDescription,
      AlarmConfigurationUpdatedTimestamp: new Date(record.configurationUpdatedAt),
      ActionsEnabled: record.actionsEnabled,
      OKActions: [...config.okActions],
      AlarmActions: [...config.alarmActions],
      InsufficientDataActions: [...config.insufficientDataActions],
      StateValue: record.state.value,
      StateReason: record.state.reason,
      StateReasonData: record.state.reasonData,
      StateUpdatedTimestamp: new Date(record.state.updatedAt),
      MetricName: config.metricName,
      Namespace: config.namespace,
      Statistic: config.statistic,
      ExtendedStatistic: config.extendedStatistic,
      Dimensions: config.dimensions.map((dimension) => ({ ...dimension })),
      Period: config.metrics ? undefined : config.period,
      Unit: config.unit,
      EvaluationPeriods: config.evaluationPeriods,
      DatapointsToAlarm: config.datapointsToAlarm,
      Threshold: config.threshold,
      ComparisonOperator: config.comparisonOperator,
      TreatMissingData: config.treatMissingData,
      EvaluateLowSampleCountPercentile: config.evaluateLowSampleCountPercentile,
      Metrics: config.metrics,
      StateTransitionedTimestamp: new Date(record.state.transitionedAt),
    };
  }

  private describeCompositeAlarm(record: CompositeAlarmRecord): Record<string, unknown> {
    const config = record.config;
    return {
      ActionsEnabled: record.actionsEnabled,
      AlarmActions: [...config.alarmActions],
      AlarmArn: config.alarmArn,
      AlarmConfigurationUpdatedTimestamp: new Date(record.configurationUpdatedAt),
      AlarmDescription: config.alarmDescription,
      AlarmName: config.alarmName,
      AlarmRule: config.alarmRule,
      InsufficientDataActions: [...config.insufficientDataActions],
      OKActions: [...config.okActions],
      StateReason: record.state.reason,
      StateReasonData: record.state.reasonData,
      StateUpdatedTimestamp: new Date(record.state.updatedAt),
      StateValue: record.state.value,
      StateTransitionedTimestamp: new Date(record.state.transitionedAt),
      ActionsSuppressor: config.actionsSuppressor,
      ActionsSuppressorWaitPeriod: config.actionsSuppressorWaitPeriod,
      ActionsSuppressorExtensionPeriod: config.actionsSuppressorExtensionPeriod,
    };
  }

  private async runOperation(operation: string, input: Record<string, unknown>): Promise<unknown> {
    const now = Date.now();
    switch (operation) {
      case 'DescribeAlarms':
        return this.describeAlarms(input);
      case 'DescribeAlarmsForMetric':
        return this.describeAlarmsForMetric(input);
      case 'DescribeAlarmHistory':
        return this.describeAlarmHistory(input);
      case 'SetAlarmState':
        this.setAlarmState(
          String(input.AlarmName ?? ''),
          String(input.StateValue ?? ''),
          String(input.StateReason ?? ''),
          input.StateReasonData as string | undefined,
          now,
        );
        return {};
      case 'EnableAlarmActions':
      case 'DisableAlarmActions':
        if (!Array.isArray(input.AlarmNames)) {
          throw new AwsApiError('MissingParameter', 'The parameter AlarmNames is required.');
        }
        this.setActionsEnabled(input.AlarmNames as string[], operation === 'EnableAlarmActions');
        return {};
      case 'PutMetricAlarm':
        this.putMetricAlarm(input, now);
        return {};
      case 'PutCompositeAlarm':
        this.putCompositeAlarm(input, now);
        return {};
      case 'DeleteAlarms':
        this.deleteAlarms((input.AlarmNames as string[] | undefined) ?? [], now);
        return {};
      case 'GetMetricData':
        return getMetricData(this.ctx.metrics, input);
      case 'GetMetricStatistics':
        return getMetricStatistics(this.ctx.metrics, input);
      case 'ListMetrics':
        return listMetrics(this.ctx.metrics, input);
      case 'PutMetricData':
        putMetricData(this.ctx.metrics, input, now);
        return {};
      default:
        throw new AwsApiError('InvalidAction', `The action ${operation} is not valid for this web service.`);
    }
  }

  private describeAlarms(input: Record<string, unknown>): Record<string, unknown> {
    const names = input.AlarmNames as string[] | undefined;
    const prefix = input.AlarmNamePrefix as string | undefined;
    const children = input.ChildrenOfAlarmName as string | undefined;
    const parents = input.ParentsOfAlarmName as string | undefined;
    if (names !== undefined && prefix !== undefined) {
      throw new AwsApiError(
        'InvalidParameterCombination',
        'AlarmNames and AlarmNamePrefix cannot be specified together.',
      );
    }
    if ((children !== undefined || parents !== undefined) && (names !== undefined || prefix !== undefined)) {
      throw new AwsApiError(
        'InvalidParameterCombination',
        'ChildrenOfAlarmName and ParentsOfAlarmName cannot be combined with AlarmNames or AlarmNamePrefix.',
      );
    }
    if (names !== undefined && names.length > 100) {
      throw new AwsApiError('InvalidParameterValue', 'At most 100 AlarmNames can be specified.');
    }
    const state = input.StateValue as string | undefined;
    if (state !== undefined && !(ALARM_STATES as readonly string[]).includes(state)) {
      throw new AwsApiError(
        'InvalidParameterValue',
        `The value ${state} for parameter StateValue is invalid.`,
      );
    }
    const types = (input.AlarmTypes as string[] | undefined) ?? ['MetricAlarm'];
    for (const type of types) {
      if (type !== 'MetricAlarm' && type !== 'CompositeAlarm') {
        throw new AwsApiError(
          'InvalidParameterValue',
          `The value ${type} for parameter AlarmTypes is invalid.`,
        );
      }
    }
    const maxRecords = (input.MaxRecords as number | undefined) ?? 50;
    if (maxRecords < 1 || maxRecords > 100) {
      throw new AwsApiError('InvalidParameterValue', 'The parameter MaxRecords must be between 1 and 100.');
    }
    let candidates = [...this.alarms.values()];
    if (children !== undefined) {
      const parent = this.alarms.get(children);
      const referenced =
        parent?.kind === 'CompositeAlarm'
          ? [...ruleAlarms(parent.config.rule)].map((r) => this.lookup(r))
          : [];
      candidates = candidates.filter((record) => referenced.includes(record));
    }
    if (parents !== undefined) {
      const child = this.alarms.get(parents);
      candidates = candidates.filter(
        (record) =>
          record.kind === 'CompositeAlarm' &&
          child !== undefined &&
          [...ruleAlarms(record.config.rule)].some((reference) => this.lookup(reference) === child),
      );
    }
    const actionPrefix = input.ActionPrefix as string | undefined;
    const selected = candidates
      .filter((record) => types.includes(record.kind))
      .filter((record) => names === undefined || names.includes(record.config.alarmName))
      .filter((record) => prefix === undefined || record.config.alarmName.startsWith(prefix))
      .filter((record) => state === undefined || record.state.value === state)
      .filter(
        (record) =>
          actionPrefix === undefined ||
          [
            ...record.config.alarmActions,
            ...record.config.okActions,
            ...record.config.insufficientDataActions,
          ].some((action) => action.startsWith(actionPrefix)),
      )
      .sort((a, b) =>
        a.config.alarmName < b.config.alarmName ? -1 : a.config.alarmName > b.config.alarmName ? 1 : 0,
      );
    const offset = pageStart(input.NextToken);
    const page = selected.slice(offset, offset + maxRecords);
    return {
      CompositeAlarms: page
        .filter((record): record is CompositeAlarmRecord => record.kind === 'CompositeAlarm')
        .map((record) => this.describeCompositeAlarm(record)),
      MetricAlarms: page
        .filter((record): record is MetricAlarmRecord => record.kind === 'MetricAlarm')
        .map((record) => this.describeMetricAlarm(record)),
      ...(offset + maxRecords < selected.length ? { NextToken: nextToken(offset + maxRecords) } : {}),
    };
  }

  private describeAlarmsForMetric(input: Record<string, unknown>): Record<string, unknown> {
    const metricName = input.MetricName;
    const namespace = input.Namespace;
    if (typeof metricName !== 'string' || metricName === '') {
      throw new AwsApiError('MissingParameter', 'The parameter MetricName is required.');
    }
    if (typeof namespace !== 'string' || namespace === '') {
      throw new AwsApiError('MissingParameter', 'The parameter Namespace is required.');
    }
    const dimensions =
      input.Dimensions === undefined ? undefined : dimensionRecord(readDimensions(input.Dimensions));
    const sameDimensions = (other: Record<string, string>): boolean =>
      dimensions === undefined ||
      (Object.keys(other).length === Object.keys(dimensions).length &&
        Object.entries(dimensions).every(([key, value]) => other[key] === value));
    const matches = [...this.alarms.values()]
      .filter((record): record is MetricAlarmRecord => record.kind === 'MetricAlarm')
      .filter((record) => {
        const config = record.config;
        if (config.metrics) {
          return config.metrics.some(
            (query) =>
              query.MetricStat?.Metric.MetricName === metricName &&
              query.MetricStat.Metric.Namespace === namespace &&
              sameDimensions(dimensionRecord(query.MetricStat.Metric.Dimensions ?? [])) &&
              (input.Period === undefined || query.MetricStat.Period === input.Period),
          );
        }
        return (
          config.metricName === metricName &&
          config.namespace === namespace &&
          sameDimensions(dimensionRecord(config.dimensions)) &&
          (input.Statistic === undefined || config.statistic === input.Statistic) &&
          (input.ExtendedStatistic === undefined || config.extendedStatistic === input.ExtendedStatistic) &&
          (input.Period === undefined || config.period === input.Period) &&
          (input.Unit === undefined || config.unit === input.Unit)
        );
      })
      .sort((a, b) => (a.config.alarmName < b.config.alarmName ? -1 : 1))
      .map((record) => this.describeMetricAlarm(record));
    return { MetricAlarms: matches };
  }

  private describeAlarmHistory(input: Record<string, unknown>): Record<string, unknown> {
    const itemType = input.HistoryItemType as string | undefined;
    if (
      itemType !== undefined &&
      ![
        'ConfigurationUpdate',
        'StateUpdate',
        'Action',
        'AlarmContributorStateUpdate',
        'AlarmContributorAction',
      ].includes(itemType)
    ) {
      throw new AwsApiError(
        'InvalidParameterValue',
        `The value ${itemType} for parameter HistoryItemType is invalid.`,
      );
    }
    const scanBy = (input.ScanBy as string | undefined) ?? 'TimestampDescending';
    if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') {
      throw new AwsApiError('InvalidParameterValue', `The value ${scanBy} for parameter ScanBy is invalid.`);
    }
    const maxRecords = (input.MaxRecords as number | undefined) ?? 100;
    if (maxRecords < 1 || maxRecords > 100) {
      throw new AwsApiError('InvalidParameterValue', 'The parameter MaxRecords must be between 1 and 100.');
    }
    const types = (input.AlarmTypes as string[] | undefined) ?? ['MetricAlarm'];
    const start = input.StartDate instanceof Date ? input.StartDate.getTime() : Number.NEGATIVE_INFINITY;
    const end = input.EndDate instanceof Date ? input.EndDate.getTime() : Number.POSITIVE_INFINITY;
    const items = this.history
      .filter((item) => input.AlarmName === undefined || item.AlarmName === input.AlarmName)
      .filter((item) => types.includes(item.AlarmType))
      .filter((item) => itemType === undefined || item.HistoryItemType === itemType)
      .filter((item) => item.Timestamp >= start && item.Timestamp <= end)
      .map((item, index) => ({ item, index }))
      .sort((a, b) =>
        scanBy === 'TimestampDescending'
          ? b.item.Timestamp - a.item.Timestamp || b.index - a.index
          : a.item.Timestamp - b.item.Timestamp || a.index - b.index,
      )
      .map(({ item }) => item);
    const offset = pageStart(input.NextToken);
    return {
      AlarmHistoryItems: items.slice(offset, offset + maxRecords).map((item) => ({
        AlarmName: item.AlarmName,
        AlarmType: item.AlarmType,
        Timestamp: new Date(item.Timestamp),
        HistoryItemType: item.HistoryItemType,
        HistorySummary: item.HistorySummary,
        HistoryData: item.HistoryData,
      })),
      ...(offset + maxRecords < items.length ? { NextToken: nextToken(offset + maxRecords) } : {}),
    };
  }
}
