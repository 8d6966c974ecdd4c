/**
 * The name CloudFormation gives a resource whose template does not name it: `<stack>-<logicalId>-<SUFFIX>`, cut
 * to the service's length limit by shortening the stack and logical id, never the suffix. AWS's suffix is 12
 * random characters; ours is derived from the stack and the logical id, so a name is the same on every boot.
 * The suffix matters: code that hard-codes `<stack>-<logicalId>` instead of reading the reference breaks here as
 * it would on AWS.
 */
import { createHash } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export interface PhysicalNameOptions {
  /** The service's limit on the name's length. */
  readonly maxLength: number;
  /** Characters the service refuses in a name, replaced by `-` (default: anything but letters, digits, `_`, `-`). */
  readonly disallowed?: RegExp;
  /** A suffix the name must end with, after the generated one (`.fifo` for FIFO queues and topics). */
  readonly ending?: string;
}

export const physicalName = (
  stackName: string,
  logicalId: string,
  { maxLength, disallowed = /[^A-Za-z0-9_-]/g, ending = '' }: PhysicalNameOptions,
): string => {
  const digest = createHash('sha256').update(`${stackName}/${logicalId}`).digest();
  const suffix = [...digest.subarray(0, 12)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');
  const head = `${stackName}-${logicalId}`
    .replace(disallowed, '-')
    .slice(0, Math.max(1, maxLength - suffix.length - 1 - ending.length));
  return `${head}-${suffix}${ending}`;
};
