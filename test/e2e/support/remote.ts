import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/** What the end-to-end tests need to know about their target; plain data, handed from the global setup. */
export interface E2eTarget {
  readonly kind: 'local' | 'localstack' | 'aws';
  /** The Order API base URL, without a trailing slash. */
  readonly apiUrl: string;
  /** The endpoint for AWS SDK clients; undefined on AWS. */
  readonly endpoint?: string | undefined;
  readonly region: string;
  /** Every stack output, merged. */
  readonly outputs: Readonly<Record<string, string>>;
  /** ORDERFLOW_TIME_SCALE of a local target; 1 elsewhere. */
  readonly timeFactor: number;
  /** Set when the target cannot be reached: the suite is skipped with this reason. */
  readonly skipReason?: string | undefined;
}

const STACKS = ['OrderflowStateful', 'OrderflowProcessing'];

/** Reads the deployed stacks' outputs from CloudFormation on LocalStack or AWS. */
export const describeRemoteTarget = async (kind: string): Promise<E2eTarget> => {
  if (kind !== 'localstack' && kind !== 'aws') {
    throw new Error(`ORDERFLOW_TARGET must be local, localstack or aws; got "${kind}"`);
  }
  const endpoint =
    kind === 'localstack' ? (process.env.LOCALSTACK_ENDPOINT ?? 'http://localhost:4566') : undefined;
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const unreachable = (reason: string): E2eTarget => ({
    kind,
    apiUrl: '',
    endpoint,
    region,
    outputs: {},
    timeFactor: 1,
    skipReason: `${kind} target not reachable: ${reason}`,
  });
  const client = new CloudFormationClient({
    region,
    ...(endpoint ? { endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } } : {}),
  });
  const outputs: Record<string, string> = {};
  try {
    for (const stackName of STACKS) {
      const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
      for (const output of Stacks?.[0]?.Outputs ?? []) {
        if (output.OutputKey && output.OutputValue) outputs[output.OutputKey] = output.OutputValue;
      }
    }
  } catch (error) {
    return unreachable(error instanceof Error ? error.message : String(error));
  } finally {
    client.destroy();
  }
  const apiUrl = outputs.ApiUrl?.replace(/\/$/, '');
  if (!apiUrl) return unreachable('the stacks have no ApiUrl output');
  return { kind, apiUrl, endpoint, region, outputs, timeFactor: 1 };
};
