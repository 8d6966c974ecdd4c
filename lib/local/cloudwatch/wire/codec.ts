/**
 * Reading requests and writing responses in the three protocols CloudWatch speaks, driven by the shapes in
 * schema.ts:
 * - awsQuery: form-encoded `Action=...&AlarmNames.member.1=...`, XML responses in the
 *   `http://monitoring.amazonaws.com/doc/2010-08-01/` namespace, ISO 8601 timestamps;
 * - awsJson1.0 (`X-Amz-Target: GraniteServiceVersion20100801.<Op>`): timestamps as epoch seconds;
 * - Smithy RPC v2 CBOR (`/service/GraniteServiceVersion20100801/operation/<Op>`): timestamps as CBOR tag 1.
 * Doubles are written as the Java service writes them (`1.0`; float64 in CBOR).
 */
import { cbor } from '@smithy/core/cbor';
import { AwsApiError, xmlEscape } from '#lib/local/core/aws-protocol';
import { javaDouble } from '../format.ts';
import type { Shape } from './schema.ts';

export const XML_NAMESPACE = 'http://monitoring.amazonaws.com/doc/2010-08-01/';

const malformed = (detail: string): AwsApiError => new AwsApiError('InvalidParameterValue', detail);

const parseTimestamp = (value: unknown, where: string): Date => {
  if (value instanceof Date) return value;
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value) * 1000);
  if (typeof value === 'string') {
    const date = /^-?\d+(\.\d+)?$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw malformed(`The value ${String(value)} for parameter ${where} is not a valid timestamp.`);
};

const parseNumber = (value: unknown, where: string, integer: boolean): number => {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'bigint'
        ? Number(value)
        : typeof value === 'string' && value.trim() !== ''
          ? Number(value)
          : Number.NaN;
  if (Number.isNaN(number) && !(typeof value === 'string' && value === 'NaN')) {
    throw malformed(`The value ${String(value)} for parameter ${where} is not a valid number.`);
  }
  if (integer && !Number.isInteger(number)) {
    throw malformed(`The value ${String(value)} for parameter ${where} is not a valid integer.`);
  }
  return number;
};

/** Converts a decoded JSON or CBOR document to the shape's types (Dates for timestamps). */
const fromDocument = (value: unknown, shape: Shape, where: string): unknown => {
  if (value === null || value === undefined) return undefined;
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value))
        throw malformed(`${where || 'The request'} must be a structure.`);
      const out: Record<string, unknown> = {};
      for (const [name, member] of Object.entries(shape.members)) {
        const converted = fromDocument(
          (value as Record<string, unknown>)[name],
          member,
          where ? `${where}.${name}` : name,
        );
        if (converted !== undefined) out[name] = converted;
      }
      return out;
    }
    case 'list':
      if (!Array.isArray(value)) throw malformed(`The value for parameter ${where} must be a list.`);
      return value.map((item, index) => fromDocument(item, shape.member, `${where}.member.${index + 1}`));
    case 'map': {
      if (typeof value !== 'object') throw malformed(`The value for parameter ${where} must be a map.`);
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([key, item]) => [
          key,
          fromDocument(item, shape.value, where),
        ]),
      );
    }
    case 'timestamp': {
      const tagged = value as { tag?: unknown; value?: unknown };
      if (typeof value === 'object' && !(value instanceof Date) && 'tag' in tagged) {
        return parseTimestamp(tagged.value, where);
      }
      return parseTimestamp(value, where);
    }
    case 'integer':
      return parseNumber(value, where, true);
    case 'double':
      return typeof value === 'string' && ['NaN', 'Infinity', '-Infinity'].includes(value)
        ? Number(value)
        : parseNumber(value, where, false);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      throw malformed(`The value ${String(value)} for parameter ${where} is not a boolean.`);
    case 'string':
      if (typeof value === 'string') return value;
      throw malformed(`The value ${String(value)} for parameter ${where} is not a string.`);
  }
};

export const decodeJson = (body: Buffer, shape: Shape): Record<string, unknown> => {
  if (body.length === 0) return {};
  let document: unknown;
  try {
    document = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsApiError('SerializationException', 'The request body is not valid JSON.');
  }
  return (fromDocument(document, shape, '') ?? {}) as Record<string, unknown>;
};

export const decodeCbor = (body: Buffer, shape: Shape): Record<string, unknown> => {
  if (body.length === 0) return {};
  let document: unknown;
  try {
    document = cbor.deserialize(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
  } catch {
    throw new AwsApiError('SerializationException', 'The request body is not valid CBOR.');
  }
  return (fromDocument(document, shape, '') ?? {}) as Record<string, unknown>;
};

/** awsQuery: `AlarmNames.member.1=a`, `Dimensions.member.1.Name=x`, `Map.entry.1.key=k`. */
export const decodeQuery = (parameters: URLSearchParams, shape: Shape): Record<string, unknown> => {
  const keys = [...parameters.keys()];
  const exists = (prefix: string): boolean =>
    keys.some((key) => key === prefix || key.startsWith(`${prefix}.`));
  const read = (prefix: string, current: Shape): unknown => {
    switch (current.type) {
      case 'structure': {
        const out: Record<string, unknown> = {};
        for (const [name, member] of Object.entries(current.members)) {
          const value = read(prefix ? `${prefix}.${name}` : name, member);
          if (value !== undefined) out[name] = value;
        }
        return prefix && Object.keys(out).length === 0 && !exists(prefix) ? undefined : out;
      }
      case 'list': {
        if (parameters.get(prefix) === '' && !keys.some((key) => key.startsWith(`${prefix}.`))) return [];
        const items: unknown[] = [];
        for (let index = 1; exists(`${prefix}.member.${index}`); index += 1) {
          items.push(read(`${prefix}.member.${index}`, current.member));
        }
        return items.length > 0 ? items : undefined;
      }
      case 'map': {
        const out: Record<string, unknown> = {};
        for (let index = 1; exists(`${prefix}.entry.${index}`); index += 1) {
          const key = parameters.get(`${prefix}.entry.${index}.key`);
          if (key !== null) out[key] = read(`${prefix}.entry.${index}.value`, current.value);
        }
        return Object.keys(out).length > 0 ? out : undefined;
      }
      default: {
        const raw = parameters.get(prefix);
        if (raw === null) return undefined;
        if (current.type === 'string') return raw;
        if (current.type === 'boolean') {
          if (raw === 'true' || raw === 'false') return raw === 'true';
          throw malformed(`The value ${raw} for parameter ${prefix} is not a boolean.`);
        }
        if (current.type === 'timestamp') return parseTimestamp(raw, prefix);
        return fromDocument(raw, current, prefix);
      }
    }
  };
  return (read('', shape) ?? {}) as Record<string, unknown>;
};

const epochMs = (value: unknown): number => (value instanceof Date ? value.getTime() : Number(value));

/** Epoch seconds as a JSON number (`1795348618.985`). */
const epochSeconds = (value: unknown): string => String(epochMs(value) / 1000);

export const encodeJson = (value: unknown, shape: Shape): string => {
  const write = (current: unknown, currentShape: Shape): string => {
    switch (currentShape.type) {
      case 'structure':
        return `{${Object.entries(currentShape.members)
          .map(([name, member]) => [name, member, (current as Record<string, unknown>)[name]] as const)
          .filter(([, , member]) => member !== undefined && member !== null)
          .map(([name, member, memberValue]) => `${JSON.stringify(name)}:${write(memberValue, member)}`)
          .join(',')}}`;
      case 'list':
        return `[${(current as unknown[]).map((item) => write(item, currentShape.member)).join(',')}]`;
      case 'map':
        return `{${Object.entries(current as Record<string, unknown>)
          .map(([key, item]) => `${JSON.stringify(key)}:${write(item, currentShape.value)}`)
          .join(',')}}`;
      case 'timestamp':
        return epochSeconds(current);
      case 'double': {
        const number = Number(current);
        return Number.isFinite(number) ? javaDouble(number) : JSON.stringify(String(number));
      }
      case 'integer':
        return String(Math.trunc(Number(current)));
      case 'boolean':
        return current ? 'true' : 'false';
      case 'string':
        return JSON.stringify(String(current));
    }
  };
  return write(value ?? {}, shape);
};

/** A CBOR encoder that follows the shape: doubles as float64, timestamps as tag 1 with epoch seconds. */
export const encodeCbor = (value: unknown, shape: Shape): Buffer => {
  const chunks: Buffer[] = [];
  const head = (major: number, length: number): void => {
    if (length < 24) chunks.push(Buffer.from([(major << 5) | length]));
    else if (length < 0x100) chunks.push(Buffer.from([(major << 5) | 24, length]));
    else if (length < 0x10000) {
      const buffer = Buffer.alloc(3);
      buffer[0] = (major << 5) | 25;
      buffer.writeUInt16BE(length, 1);
      chunks.push(buffer);
    } else if (length < 0x100000000) {
      const buffer = Buffer.alloc(5);
      buffer[0] = (major << 5) | 26;
      buffer.writeUInt32BE(length, 1);
      chunks.push(buffer);
    } else {
      const buffer = Buffer.alloc(9);
      buffer[0] = (major << 5) | 27;
      buffer.writeBigUInt64BE(BigInt(length), 1);
      chunks.push(buffer);
    }
  };
  const text = (string: string): void => {
    const bytes = Buffer.from(string, 'utf8');
    head(3, bytes.length);
    chunks.push(bytes);
  };
  const float = (number: number): void => {
    const buffer = Buffer.alloc(9);
    buffer[0] = 0xfb;
    buffer.writeDoubleBE(number, 1);
    chunks.push(buffer);
  };
  const write = (current: unknown, currentShape: Shape): void => {
    switch (currentShape.type) {
      case 'structure': {
        const members = Object.entries(currentShape.members).filter(
          ([name]) =>
            (current as Record<string, unknown>)[name] !== undefined &&
            (current as Record<string, unknown>)[name] !== null,
        );
        head(5, members.length);
        for (const [name, member] of members) {
          text(name);
          write((current as Record<string, unknown>)[name], member);
        }
        return;
      }
      case 'list': {
        const items = current as unknown[];
        head(4, items.length);
        for (const item of items) write(item, currentShape.member);
        return;
      }
      case 'map': {
        const entries = Object.entries(current as Record<string, unknown>);
        head(5, entries.length);
        for (const [key, item] of entries) {
          text(key);
          write(item, currentShape.value);
        }
        return;
      }
      case 'timestamp':
        head(6, 1);
        float(epochMs(current) / 1000);
        return;
      case 'double':
        float(Number(current));
        return;
      case 'integer': {
        const number = Math.trunc(Number(current));
        if (number >= 0) head(0, number);
        else head(1, -1 - number);
        return;
      }
      case 'boolean':
        chunks.push(Buffer.from([current ? 0xf5 : 0xf4]));
        return;
      case 'string':
        text(String(current));
        return;
    }
  };
  write(value ?? {}, shape);
  return Buffer.concat(chunks);
};

/** The members of an awsQuery result element. */
export const encodeXmlMembers = (value: unknown, shape: Shape): string => {
  const write = (current: unknown, currentShape: Shape): string => {
    switch (currentShape.type) {
      case 'structure':
        return Object.entries(currentShape.members)
          .map(([name, member]) => [name, member, (current as Record<string, unknown>)[name]] as const)
          .filter(([, , member]) => member !== undefined && member !== null)
          .map(([name, member, memberValue]) => `<${name}>${write(memberValue, member)}</${name}>`)
          .join('');
      case 'list':
        return (current as unknown[])
          .map((item) => `<member>${write(item, currentShape.member)}</member>`)
          .join('');
      case 'map':
        return Object.entries(current as Record<string, unknown>)
          .map(
            ([key, item]) =>
              `<entry><key>${xmlEscape(key)}</key><value>${write(item, currentShape.value)}</value></entry>`,
          )
          .join('');
      case 'timestamp':
        return new Date(epochMs(current)).toISOString();
      case 'double':
        return javaDouble(Number(current));
      case 'integer':
        return String(Math.trunc(Number(current)));
      case 'boolean':
        return current ? 'true' : 'false';
      case 'string':
        return xmlEscape(String(current));
    }
  };
  return write(value ?? {}, shape);
};

export const encodeXmlResponse = (
  operation: string,
  value: unknown,
  shape: Shape | undefined,
  requestId: string,
): string =>
  `<${operation}Response xmlns="${XML_NAMESPACE}">${
    shape ? `<${operation}Result>${encodeXmlMembers(value, shape)}</${operation}Result>` : ''
  }<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
