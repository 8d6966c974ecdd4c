/**
 * How CloudWatch writes numbers and dates in the text it generates (state reasons, StateReasonData, alarm
 * notifications, history): the service is written in Java, so doubles print as Java's `Double.toString` does
 * (`1.0`, `0.02`, `1.0E7`), timestamps as `2026-11-22T12:00:00.000+0000`, and datapoints in a reason as
 * `(22/11/26 12:00:00)`.
 */

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** Java's `Double.toString`: `1` -> `1.0`, `1e7` -> `1.0E7`, `0.0001` -> `1.0E-4`. */
export const javaDouble = (value: number): string => {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa = '0', exponent = '0'] = value.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
};

/** `2026-11-22T12:00:00.000+0000`, the format of StateChangeTime, queryDate and the like. */
export const cloudWatchTimestamp = (epochMs: number): string => {
  const date = new Date(epochMs);
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}+0000`;
};

/** `22/11/26 12:00:00`, how a datapoint's period start appears in a state reason. */
export const reasonTimestamp = (epochMs: number): string => {
  const date = new Date(epochMs);
  return `${pad(date.getUTCDate())}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCFullYear() % 100)} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
};

/**
 * JSON as the Java service writes it: every number is a double (`1.0`) except the members named in `integers`
 * (`period`, `EvaluationPeriods` ...). Arrays inherit their member's name. `undefined` members are left out.
 */
export const javaJson = (value: unknown, integers: ReadonlySet<string>, key = ''): string => {
  if (value === null) return 'null';
  if (typeof value === 'number') return integers.has(key) ? String(Math.trunc(value)) : javaDouble(value);
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => javaJson(item, integers, key)).join(',')}]`;
  if (typeof value === 'object') {
    const members = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .map(([name, member]) => `${JSON.stringify(name)}:${javaJson(member, integers, name)}`);
    return `{${members.join(',')}}`;
  }
  return 'null';
};

/** The region names CloudWatch uses in notification subjects and the `Region` field. */
const REGION_NAMES: Readonly<Record<string, string>> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'eu-west-1': 'EU (Ireland)',
  'eu-west-2': 'EU (London)',
  'eu-west-3': 'EU (Paris)',
  'eu-central-1': 'EU (Frankfurt)',
  'eu-north-1': 'EU (Stockholm)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
  'ap-northeast-2': 'Asia Pacific (Seoul)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'ap-south-1': 'Asia Pacific (Mumbai)',
  'ca-central-1': 'Canada (Central)',
  'sa-east-1': 'South America (Sao Paulo)',
};

export const regionName = (region: string): string => REGION_NAMES[region] ?? region;
