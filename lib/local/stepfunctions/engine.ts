/**
 * The local Step Functions: provisions AWS::StepFunctions::StateMachine from the template, runs executions on
 * aws-local-stepfunctions with every Task routed to the local services, and serves the AWSStepFunctions API.
 *
 * Semantics kept from AWS:
 * - STANDARD execution names are unique per state machine: a start with the name of a running execution and the
 *   same input returns that execution (no second run); a different input, or a closed execution, is
 *   ExecutionAlreadyExists. EXPRESS executions do not deduplicate names (their ARN carries an execution id).
 * - Retry, Catch and error names as Step Functions reports them (see TaskDispatcher); Retry intervals and Wait
 *   states scaled by ORDERFLOW_TIME_SCALE, execution and task timeouts not (they bound real work).
 * - The CloudWatch metrics AWS/States publishes per state machine, and the execution history.
 */
import { randomUUID } from 'node:crypto';
import { AwsApiError } from '#lib/local/core/aws-protocol';
import type {
  CloudContext,
  Engine,
  ProvisionedResource,
  ResourceProvider,
  ServiceHandler,
  StepFunctionsApi,
  TemplateResource,
} from '#lib/local/core/types';
import { physicalName } from '#lib/local/template/physical-name';
import { StepFunctionsHandler } from './api.ts';
import { type AslState, checkRunnable, forEachState, runnableDefinition } from './definition.ts';
import {
  Execution,
  type ExecutionStatus,
  type StateMachineRecord,
  type StateMachineType,
} from './execution.ts';
import { type ExecutionSummary, TaskDispatcher } from './integrations.ts';
import {
  expressExecutionArn,
  MAX_NAME_LENGTH,
  parseStateMachineArn,
  standardExecutionArn,
  stateMachineArn,
  validateName,
} from './names.ts';

/** The largest execution input StartExecution accepts: 256 KiB of UTF-8. */
const MAX_INPUT_BYTES = 262_144;

const STATUS_METRICS: Record<Exclude<ExecutionStatus, 'RUNNING'>, string> = {
  SUCCEEDED: 'ExecutionsSucceeded',
  FAILED: 'ExecutionsFailed',
  TIMED_OUT: 'ExecutionsTimedOut',
  ABORTED: 'ExecutionsAborted',
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** DefinitionSubstitutions: `${key}` in the definition text replaced by the value. */
const substitute = (text: string, substitutions: unknown, encode: (value: string) => string): string => {
  if (!isObject(substitutions)) return text;
  return text.replace(/\$\{([^}]+)\}/g, (whole, key: string) =>
    key in substitutions ? encode(String(substitutions[key])) : whole,
  );
};

/** The CloudFormation LoggingConfiguration in the API's shape (DescribeStateMachine). */
const loggingConfiguration = (value: unknown): Record<string, unknown> => {
  if (!isObject(value)) return { level: 'OFF', includeExecutionData: false };
  const destinations = Array.isArray(value.Destinations) ? value.Destinations : [];
  return {
    level: typeof value.Level === 'string' ? value.Level : 'OFF',
    includeExecutionData: value.IncludeExecutionData === true || value.IncludeExecutionData === 'true',
    ...(destinations.length > 0
      ? {
          destinations: destinations.map((d) => {
            const group = isObject(d) && isObject(d.CloudWatchLogsLogGroup) ? d.CloudWatchLogsLogGroup : {};
            return { cloudWatchLogsLogGroup: { logGroupArn: String(group.LogGroupArn ?? '') } };
          }),
        }
      : {}),
  };
};

/** Who an execution is about, for the live trace: the saga input's `order.orderId` (or a top-level `orderId`). */
const traceKeys = (input: string): { orderId?: string; correlationId?: string } => {
  try {
    const parsed: unknown = JSON.parse(input);
    if (!isObject(parsed)) return {};
    const order = isObject(parsed.order) ? parsed.order : {};
    const orderId = typeof order.orderId === 'string' ? order.orderId : parsed.orderId;
    return {
      ...(typeof orderId === 'string' ? { orderId } : {}),
      ...(typeof parsed.correlationId === 'string' ? { correlationId: parsed.correlationId } : {}),
    };
  } catch {
    return {};
  }
};

export class StepFunctionsEngine implements Engine, StepFunctionsApi {
  readonly name = 'stepfunctions';
  readonly providers: readonly ResourceProvider[];
  readonly handlers: readonly ServiceHandler[];
  private readonly machines = new Map<string, StateMachineRecord>();
  private readonly executionsByArn = new Map<string, Execution>();
  /** Per state machine, in start order. */
  private readonly executionsByMachine = new Map<string, Execution[]>();
  private readonly dispatcher: TaskDispatcher;

  constructor(private readonly ctx: CloudContext) {
    this.dispatcher = new TaskDispatcher(ctx, this);
    this.providers = [
      { types: ['AWS::StepFunctions::StateMachine'], provision: (resource) => this.provision(resource) },
    ];
    this.handlers = [new StepFunctionsHandler(this)];
  }

  async start(): Promise<void> {
    this.ctx.services.stepFunctions = this;
  }

  /**
   * Aborts the executions still running (ABORTED; their in-flight tasks are the other engines' to stop) and
   * closes the DynamoDB client.
   */
  async stop(): Promise<void> {
    const running = [...this.executionsByArn.values()].filter((execution) => execution.status === 'RUNNING');
    await Promise.all(running.map((execution) => execution.stop(undefined, 'The local cloud was stopped.')));
    this.dispatcher.close();
    if (this.ctx.services.stepFunctions === this) delete this.ctx.services.stepFunctions;
  }

  // --- Provisioning -------------------------------------------------------------------------------------

  async provision(resource: TemplateResource): Promise<ProvisionedResource> {
    const where = `${resource.stackName}/${resource.logicalId}`;
    const p = resource.properties;
    const name =
      typeof p.StateMachineName === 'string'
        ? p.StateMachineName
        : physicalName(resource.stackName, resource.logicalId, { maxLength: MAX_NAME_LENGTH });
    try {
      validateName(name, 'StateMachineName');
    } catch (error) {
      throw new Error(`${where}: invalid state machine name: ${(error as Error).message}`);
    }
    const type = (p.StateMachineType ?? 'STANDARD') as StateMachineType;
    if (type !== 'STANDARD' && type !== 'EXPRESS') {
      throw new Error(`${where}: StateMachineType must be STANDARD or EXPRESS, got ${JSON.stringify(type)}`);
    }
    const definitionText = this.definitionText(where, p);
    let parsed: unknown;
    try {
      parsed = JSON.parse(definitionText);
    } catch (error) {
      throw new Error(`${where}: the definition is not valid JSON: ${(error as Error).message}`);
    }
    const definition = checkRunnable(name, parsed);
    const arn = stateMachineArn(this.ctx.region, this.ctx.accountId, name);
    if (this.machines.has(arn)) throw new Error(`${where}: a state machine named ${name} already exists`);
    const states = new Map<string, AslState>();
    forEachState(definition, (stateName, state) => states.set(stateName, state));
    const revisionId = randomUUID();
    const tracing = isObject(p.TracingConfiguration) ? p.TracingConfiguration : {};
    this.machines.set(arn, {
      arn,
      name,
      type,
      roleArn:
        typeof p.RoleArn === 'string' ? p.RoleArn : `arn:aws:iam::${this.ctx.accountId}:role/${name}-role`,
      definitionText,
      definition,
      runnable: runnableDefinition(definition, { factor: this.ctx.time.factor, type }),
      states,
      creationDate: Date.now(),
      revisionId,
      loggingConfiguration: loggingConfiguration(p.LoggingConfiguration),
      tracingConfiguration: { enabled: tracing.Enabled === true || tracing.Enabled === 'true' },
    });
    this.executionsByMachine.set(arn, []);
    return { ref: arn, attributes: { Arn: arn, Name: name, StateMachineRevisionId: revisionId } };
  }

  private definitionText(where: string, p: Readonly<Record<string, unknown>>): string {
    if (typeof p.DefinitionString === 'string') {
      return substitute(p.DefinitionString, p.DefinitionSubstitutions, (value) => value);
    }
    if (isObject(p.Definition)) {
      return substitute(JSON.stringify(p.Definition), p.DefinitionSubstitutions, (value) =>
        JSON.stringify(value).slice(1, -1),
      );
    }
    if (p.DefinitionS3Location !== undefined) {
      throw new Error(
        `${where}: DefinitionS3Location is not supported locally; use DefinitionString or Definition`,
      );
    }
    throw new Error(`${where}: the state machine has no DefinitionString or Definition`);
  }

  // --- State machines and executions --------------------------------------------------------------------

  stateMachines(): StateMachineRecord[] {
    return [...this.machines.values()];
  }

  stateMachine(arn: unknown, member = 'stateMachineArn'): StateMachineRecord {
    parseStateMachineArn(arn, member);
    const machine = this.machines.get(arn as string);
    if (!machine) throw new AwsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  /** Every execution of a state machine, newest first. */
  executionsOf(machineArn: string): Execution[] {
    return [...(this.executionsByMachine.get(machineArn) ?? [])].reverse();
  }

  execution(arn: string): Execution | undefined {
    return this.executionsByArn.get(arn);
  }

  async waitForExecution(executionArn: string): Promise<ExecutionSummary> {
    const execution = this.executionsByArn.get(executionArn);
    if (!execution) {
      throw new AwsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    }
    await execution.done;
    return execution.summary;
  }

  /** StepFunctionsApi (and StartExecution on the wire). */
  async startExecution(
    machineArn: string,
    input?: string,
    name?: string,
  ): Promise<{ executionArn: string; startDate: Date }> {
    const execution = this.begin(machineArn, input, name);
    return { executionArn: execution.arn, startDate: new Date(execution.startDate) };
  }

  /** StartSyncExecution: EXPRESS only; runs to the end. */
  async startSyncExecution(machineArn: string, input?: string, name?: string): Promise<Execution> {
    const machine = this.stateMachine(machineArn);
    if (machine.type !== 'EXPRESS') {
      throw new AwsApiError(
        'StateMachineTypeNotSupported',
        'This operation is not supported by this type of state machine',
      );
    }
    const execution = this.begin(machineArn, input, name);
    await execution.done;
    return execution;
  }

  /** Starts (or, for a STANDARD duplicate of a running execution, returns) an execution. */
  private begin(machineArn: string, input: string | undefined, name: string | undefined): Execution {
    const machine = this.stateMachine(machineArn);
    const text = input ?? '{}';
    if (typeof text !== 'string') {
      throw new AwsApiError(
        'InvalidExecutionInput',
        'Invalid State Machine Execution Input: input must be a string',
      );
    }
    if (Buffer.byteLength(text, 'utf8') > MAX_INPUT_BYTES) {
      throw new AwsApiError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: the input exceeds the maximum of ${MAX_INPUT_BYTES} bytes`,
      );
    }
    try {
      JSON.parse(text);
    } catch {
      throw new AwsApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${text}'`);
    }
    if (name !== undefined && name !== null) {
      if (typeof name !== 'string') throw new AwsApiError('InvalidName', `Invalid Name: '${String(name)}'`);
      validateName(name);
    }
    const executionName = name ?? randomUUID();
    const { region, accountId } = this.ctx;
    let arn: string;
    if (machine.type === 'STANDARD') {
      arn = standardExecutionArn(region, accountId, machine.name, executionName);
      const existing = this.executionsByArn.get(arn);
      if (existing) {
        if (existing.status === 'RUNNING' && existing.input === text) return existing;
        throw new AwsApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
      }
    } else {
      arn = expressExecutionArn(region, accountId, machine.name, executionName, randomUUID());
    }
    const keys = traceKeys(text);
    const execution = new Execution(arn, executionName, machine, text, Date.now(), {
      region,
      dispatcher: this.dispatcher,
      log: (message) => this.ctx.log(message),
      onTaskOutcome: (stateName, outcome) =>
        this.ctx.trace.emit({ ...keys, event: stateName, service: 'saga', outcome }),
    });
    this.executionsByArn.set(arn, execution);
    this.executionsByMachine.get(machine.arn)?.push(execution);
    this.metric(machine.arn, 'ExecutionsStarted', 1, 'Count');
    void execution.run().then(() => {
      const status = execution.status as Exclude<ExecutionStatus, 'RUNNING'>;
      this.metric(machine.arn, STATUS_METRICS[status], 1, 'Count');
      this.metric(
        machine.arn,
        'ExecutionTime',
        (execution.stopDate ?? Date.now()) - execution.startDate,
        'Milliseconds',
      );
      this.ctx.trace.emit({ ...keys, event: 'execution', service: 'saga', outcome: status });
    });
    return execution;
  }

  private metric(machineArn: string, metricName: string, value: number, unit: string): void {
    this.ctx.metrics.put({
      namespace: 'AWS/States',
      metricName,
      dimensions: { StateMachineArn: machineArn },
      value,
      unit,
      timestamp: Date.now(),
    });
  }
}
