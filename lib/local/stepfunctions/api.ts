/**
 * The AWSStepFunctions API on the edge endpoint (awsJson 1.0, `X-Amz-Target: AWSStepFunctions.<Operation>`),
 * as the SDK's SFNClient and `aws stepfunctions` call it. Timestamps are epoch seconds, as in the JSON protocol.
 */
import { AwsApiError, jsonOperation, parseJsonBody, serveJson } from '#lib/local/core/aws-protocol';
import type { EdgeRequest, EdgeResponse, ServiceHandler } from '#lib/local/core/types';
import type { StepFunctionsEngine } from './engine.ts';
import type { Execution, ExecutionStatus, StateMachineRecord } from './execution.ts';
import type { HistoryEvent } from './history.ts';
import { parseExecutionArn } from './names.ts';

const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
const PAGE_DEFAULT = 100;
const PAGE_MAX = 1000;

const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

/** Drops undefined members, so the JSON has only what is set. */
const defined = (value: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));

const pageSize = (value: unknown): number => {
  if (value === undefined || value === null || value === 0) return PAGE_DEFAULT;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > PAGE_MAX) {
    throw new AwsApiError(
      'ValidationException',
      `1 validation error detected: Value '${String(value)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${PAGE_MAX}`,
    );
  }
  return value;
};

const encodeToken = (value: Record<string, unknown>): string =>
  Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

const decodeToken = <T>(
  token: unknown,
  valid: (value: Record<string, unknown>) => value is T & Record<string, unknown>,
): T | undefined => {
  if (token === undefined || token === null) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && valid(value as Record<string, unknown>))
      return value as T;
  } catch {
    // fall through
  }
  throw new AwsApiError('InvalidToken', `Invalid Token: '${String(token)}'`);
};

const optionalString = (body: Record<string, unknown>, member: string): string | undefined => {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new AwsApiError(
      'ValidationException',
      `1 validation error detected: Value at '${member}' must be a string`,
    );
  }
  return value;
};

export class StepFunctionsHandler implements ServiceHandler {
  readonly name = 'stepfunctions';

  constructor(private readonly engine: StepFunctionsEngine) {}

  claims(request: EdgeRequest): boolean {
    return request.target?.startsWith('AWSStepFunctions.') === true;
  }

  handle(request: EdgeRequest): Promise<EdgeResponse> {
    return serveJson('1.0', async () => this.operation(jsonOperation(request), parseJsonBody(request)));
  }

  private async operation(operation: string, body: Record<string, unknown>): Promise<unknown> {
    switch (operation) {
      case 'StartExecution': {
        const started = await this.engine.startExecution(
          String(body.stateMachineArn ?? ''),
          optionalString(body, 'input'),
          optionalString(body, 'name'),
        );
        return { executionArn: started.executionArn, startDate: started.startDate.getTime() / 1000 };
      }
      case 'StartSyncExecution':
        return this.startSync(body);
      case 'DescribeExecution':
        return this.describeExecution(this.execution(body.executionArn), body.includedData);
      case 'StopExecution': {
        const execution = this.execution(body.executionArn);
        const stopDate = await execution.stop(optionalString(body, 'error'), optionalString(body, 'cause'));
        return { stopDate: stopDate / 1000 };
      }
      case 'ListExecutions':
        return this.listExecutions(body);
      case 'GetExecutionHistory':
        return this.history(body);
      case 'ListStateMachines':
        return this.listStateMachines(body);
      case 'DescribeStateMachine':
        return this.describeStateMachine(this.engine.stateMachine(body.stateMachineArn));
      case 'DescribeStateMachineForExecution': {
        const execution = this.execution(body.executionArn);
        const machine = execution.machine;
        return defined({
          stateMachineArn: machine.arn,
          name: machine.name,
          definition: machine.definitionText,
          roleArn: machine.roleArn,
          updateDate: machine.creationDate / 1000,
          loggingConfiguration: machine.loggingConfiguration,
          tracingConfiguration: machine.tracingConfiguration,
          revisionId: machine.revisionId,
        });
      }
      default:
        throw new AwsApiError(
          'UnknownOperationException',
          `the local Step Functions does not implement ${operation || 'this operation'}`,
        );
    }
  }

  /** An execution by ARN; EXPRESS executions are not visible to the describe/history/stop APIs, as on AWS. */
  private execution(arn: unknown): Execution {
    const parts = parseExecutionArn(arn);
    if (parts.kind === 'express') {
      throw new AwsApiError('InvalidArn', "Invalid Arn: 'Resource type not valid in this context: express'");
    }
    const execution = this.engine.execution(arn as string);
    if (!execution)
      throw new AwsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(arn)}'`);
    return execution;
  }

  private describeExecution(execution: Execution, includedData: unknown): Record<string, unknown> {
    const withData = includedData !== 'METADATA_ONLY';
    return defined({
      executionArn: execution.arn,
      stateMachineArn: execution.machine.arn,
      name: execution.name,
      status: execution.status,
      startDate: seconds(execution.startDate),
      stopDate: seconds(execution.stopDate),
      input: withData ? execution.input : undefined,
      inputDetails: { included: withData },
      output: withData ? execution.output : undefined,
      outputDetails: execution.output !== undefined ? { included: withData } : undefined,
      error: execution.error,
      cause: execution.cause,
    });
  }

  private async startSync(body: Record<string, unknown>): Promise<unknown> {
    const execution = await this.engine.startSyncExecution(
      String(body.stateMachineArn ?? ''),
      optionalString(body, 'input'),
      optionalString(body, 'name'),
    );
    const withData = body.includedData !== 'METADATA_ONLY';
    const duration = (execution.stopDate ?? Date.now()) - execution.startDate;
    return defined({
      executionArn: execution.arn,
      stateMachineArn: execution.machine.arn,
      name: execution.name,
      startDate: seconds(execution.startDate),
      stopDate: seconds(execution.stopDate),
      status: execution.status,
      error: execution.error,
      cause: execution.cause,
      input: withData ? execution.input : undefined,
      inputDetails: { included: withData },
      output: withData ? execution.output : undefined,
      outputDetails: execution.output !== undefined ? { included: withData } : undefined,
      billingDetails: {
        billedMemoryUsedInMB: 64,
        billedDurationInMilliseconds: Math.max(100, Math.ceil(duration / 100) * 100),
      },
    });
  }

  private listExecutions(body: Record<string, unknown>): unknown {
    if (body.mapRunArn !== undefined) {
      throw new AwsApiError('ResourceNotFound', 'Map Runs (distributed Map) are not emulated locally');
    }
    const machine = this.engine.stateMachine(body.stateMachineArn);
    if (machine.type === 'EXPRESS') {
      throw new AwsApiError(
        'StateMachineTypeNotSupported',
        'This operation is not supported by this type of state machine',
      );
    }
    const statusFilter = body.statusFilter;
    if (
      statusFilter !== undefined &&
      statusFilter !== null &&
      !STATUSES.includes(statusFilter as ExecutionStatus)
    ) {
      throw new AwsApiError(
        'ValidationException',
        `1 validation error detected: Value '${String(statusFilter)}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUSES.join(', ')}, PENDING_REDRIVE]`,
      );
    }
    const size = pageSize(body.maxResults);
    const token = decodeToken<{ after: string }>(
      body.nextToken,
      (v): v is { after: string } => typeof v.after === 'string',
    );
    let executions = this.engine
      .executionsOf(machine.arn)
      .filter((execution) => !statusFilter || execution.status === statusFilter);
    if (token) {
      const at = executions.findIndex((execution) => execution.arn === token.after);
      executions = at < 0 ? [] : executions.slice(at + 1);
    }
    const page = executions.slice(0, size);
    const last = page.at(-1);
    return defined({
      executions: page.map((execution) =>
        defined({
          executionArn: execution.arn,
          stateMachineArn: machine.arn,
          name: execution.name,
          status: execution.status,
          startDate: seconds(execution.startDate),
          stopDate: seconds(execution.stopDate),
        }),
      ),
      nextToken: executions.length > size && last ? encodeToken({ after: last.arn }) : undefined,
    });
  }

  private history(body: Record<string, unknown>): unknown {
    const execution = this.execution(body.executionArn);
    const size = pageSize(body.maxResults);
    const reverse = body.reverseOrder === true;
    const withData = body.includeExecutionData !== false;
    const token = decodeToken<{ from: number }>(
      body.nextToken,
      (v): v is { from: number } => typeof v.from === 'number',
    );
    let events: readonly HistoryEvent[] = execution.history.events;
    if (reverse) events = [...events].reverse();
    if (token) events = events.filter((event) => (reverse ? event.id <= token.from : event.id >= token.from));
    const page = events.slice(0, size);
    const next = events[size];
    return defined({
      events: page.map((event) => this.historyEvent(event, withData)),
      nextToken: next ? encodeToken({ from: next.id }) : undefined,
    });
  }

  private historyEvent(event: HistoryEvent, withData: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(event)) {
      if (key === 'timestamp') out.timestamp = event.timestamp / 1000;
      else if (!withData && typeof value === 'object' && value !== null) {
        const { input: _input, output: _output, ...rest } = value as Record<string, unknown>;
        out[key] = rest;
      } else out[key] = value;
    }
    return out;
  }

  private listStateMachines(body: Record<string, unknown>): unknown {
    const size = pageSize(body.maxResults);
    const token = decodeToken<{ after: string }>(
      body.nextToken,
      (v): v is { after: string } => typeof v.after === 'string',
    );
    let machines = this.engine.stateMachines().sort((a, b) => a.name.localeCompare(b.name));
    if (token) machines = machines.filter((machine) => machine.name > token.after);
    const page = machines.slice(0, size);
    const last = page.at(-1);
    return defined({
      stateMachines: page.map((machine) => ({
        stateMachineArn: machine.arn,
        name: machine.name,
        type: machine.type,
        creationDate: machine.creationDate / 1000,
      })),
      nextToken: machines.length > size && last ? encodeToken({ after: last.name }) : undefined,
    });
  }

  private describeStateMachine(machine: StateMachineRecord): unknown {
    return defined({
      stateMachineArn: machine.arn,
      name: machine.name,
      status: 'ACTIVE',
      definition: machine.definitionText,
      roleArn: machine.roleArn,
      type: machine.type,
      creationDate: machine.creationDate / 1000,
      loggingConfiguration: machine.loggingConfiguration,
      tracingConfiguration: machine.tracingConfiguration,
      revisionId: machine.revisionId,
    });
  }
}
