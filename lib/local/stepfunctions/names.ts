/**
 * Step Functions names and ARNs: the validation StartExecution applies to execution names, and the ARN shapes
 * of state machines and executions (`execution:` for STANDARD, `express:` for EXPRESS).
 */
import { AwsApiError } from '#lib/local/core/aws-protocol';

/** Whitespace, brackets, wildcards, `" # % \ ^ | ~ \` $ & , ; : /` and control characters, as the API documents. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the API forbids exactly these control characters.
const FORBIDDEN_NAME_CHARACTERS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/u;

export const MAX_NAME_LENGTH = 80;

/**
 * Validates an execution (or state machine) name as StartExecution does: the length constraint is a
 * ValidationException, a forbidden character an InvalidName.
 */
export const validateName = (name: string, member = 'name'): void => {
  const length = [...name].length;
  if (length < 1 || length > MAX_NAME_LENGTH) {
    throw new AwsApiError(
      'ValidationException',
      `1 validation error detected: Value '${name}' at '${member}' failed to satisfy constraint: Member must have length ${length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_NAME_LENGTH}`}`,
    );
  }
  if (FORBIDDEN_NAME_CHARACTERS.test(name)) throw new AwsApiError('InvalidName', `Invalid Name: '${name}'`);
};

export interface StateMachineArnParts {
  readonly region: string;
  readonly accountId: string;
  readonly name: string;
}

export interface ExecutionArnParts extends StateMachineArnParts {
  readonly kind: 'execution' | 'express';
  readonly executionName: string;
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):stateMachine:([^:]+)$/;
const EXECUTION_ARN =
  /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):(execution|express):([^:]+):([^:]+)(?::([^:]+))?$/;

const invalidArn = (arn: string, reason?: string): AwsApiError =>
  new AwsApiError('InvalidArn', reason ? `Invalid Arn: '${reason}'` : `Invalid Arn: '${arn}'`);

export const parseStateMachineArn = (arn: unknown, member = 'stateMachineArn'): StateMachineArnParts => {
  if (typeof arn !== 'string' || arn === '') {
    throw new AwsApiError(
      'ValidationException',
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  const match = STATE_MACHINE_ARN.exec(arn);
  if (!match) {
    if (EXECUTION_ARN.test(arn))
      throw invalidArn(arn, `Resource type not valid in this context: ${arn.split(':')[5]}`);
    throw invalidArn(arn);
  }
  return { region: match[1] as string, accountId: match[2] as string, name: match[3] as string };
};

export const parseExecutionArn = (arn: unknown, member = 'executionArn'): ExecutionArnParts => {
  if (typeof arn !== 'string' || arn === '') {
    throw new AwsApiError(
      'ValidationException',
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  const match = EXECUTION_ARN.exec(arn);
  if (!match) {
    if (STATE_MACHINE_ARN.test(arn))
      throw invalidArn(arn, 'Resource type not valid in this context: stateMachine');
    throw invalidArn(arn);
  }
  const kind = match[3] as 'execution' | 'express';
  // A STANDARD execution ARN has no third part; an EXPRESS one has the execution id.
  if ((kind === 'execution') !== (match[6] === undefined)) throw invalidArn(arn);
  return {
    region: match[1] as string,
    accountId: match[2] as string,
    kind,
    name: match[4] as string,
    executionName: match[5] as string,
  };
};

export const stateMachineArn = (region: string, accountId: string, name: string): string =>
  `arn:aws:states:${region}:${accountId}:stateMachine:${name}`;

export const standardExecutionArn = (
  region: string,
  accountId: string,
  machine: string,
  name: string,
): string => `arn:aws:states:${region}:${accountId}:execution:${machine}:${name}`;

/** Express executions do not have unique names, so their ARN carries an execution id as well. */
export const expressExecutionArn = (
  region: string,
  accountId: string,
  machine: string,
  name: string,
  id: string,
): string => `arn:aws:states:${region}:${accountId}:express:${machine}:${name}:${id}`;
