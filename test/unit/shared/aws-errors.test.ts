import { describe, expect, it } from 'vitest';
import { asTransient, callAws, isTransientAwsError } from '#shared/adapters/aws-errors';
import { TransientDependencyError } from '#shared/domain/errors';

const awsError = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, ...extra });

describe('AWS error classification', () => {
  it.each([
    ['throttling', awsError('ThrottlingException')],
    ['exhausted provisioned throughput', awsError('ProvisionedThroughputExceededException')],
    ['a 5xx', awsError('SomethingBroke', { $metadata: { httpStatusCode: 503 } })],
    ['a server fault', awsError('Whatever', { $fault: 'server' })],
    ['a dropped connection', awsError('Error', { code: 'ECONNRESET' })],
    [
      'a transaction cancelled by a conflict',
      awsError('TransactionCanceledException', {
        CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
      }),
    ],
  ])('treats %s as transient', (_name, error) => {
    expect(isTransientAwsError(error)).toBe(true);
  });

  it.each([
    [
      'a failed condition',
      awsError('ConditionalCheckFailedException', { $metadata: { httpStatusCode: 400 } }),
    ],
    ['a validation error', awsError('ValidationException', { $metadata: { httpStatusCode: 400 } })],
    ['access denied', awsError('AccessDeniedException', { $metadata: { httpStatusCode: 403 } })],
    [
      'a transaction cancelled by a condition',
      awsError('TransactionCanceledException', { CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] }),
    ],
  ])('does not retry %s', (_name, error) => {
    expect(isTransientAwsError(error)).toBe(false);
  });

  it('renames a transient failure to TransientDependencyError, keeping the original as its cause', async () => {
    const original = awsError('ThrottlingException');

    const thrown = await callAws('PutItem Orders', () => Promise.reject(original)).catch((error) => error);

    expect(thrown).toBeInstanceOf(TransientDependencyError);
    expect(thrown.name).toBe('TransientDependencyError');
    expect(thrown.message).toContain('PutItem Orders');
    expect(thrown.cause).toBe(original);
  });

  it('rethrows a permanent failure unchanged', () => {
    const original = awsError('ValidationException');
    expect(asTransient('PutItem Orders', original)).toBe(original);
  });
});
