/**
 * `npm run bench`: pushes orders through the local cloud at a chosen rate and reports what a user would ask:
 * how many orders it accepts and completes per second, how long an order takes from POST to its final status,
 * how many AWS API calls the functions make per order (by service), whether any order was lost or duplicated,
 * and how long `npm start` takes to be ready. It drives the cloud as a black box: it starts `npm start`, places
 * orders through the Order API, and learns each final status from an EventBridge rule it adds on the bus. It
 * reports latency twice: over every order, and over the orders placed after a warm-up window of 10 s. It also
 * reads GET /_orderflow/stats (function invocations, saga executions, the functions' AWS API calls) and, on
 * Linux, where the CPU goes while it sends (the cloud's main thread, the function sandboxes, V8's background
 * threads, DynamoDB Local), and says which of the targets the run met.
 *
 *   npm run bench                              50 orders/s for 60 s
 *   npm run bench -- --rate 20 --duration 30
 *   npm run bench -- --rate 10 --concurrency 3   sandboxes per function, passed on to npm start
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

const root = join(import.meta.dirname, '..');

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '50' },
    duration: { type: 'string', default: '60' },
    grace: { type: 'string', default: '30' },
    out: { type: 'string', default: join(root, 'bench-results.json') },
    concurrency: { type: 'string' },
  },
});
const rate = Number(values.rate);
const duration = Number(values.duration);
const grace = Number(values.grace);
if (!(rate > 0) || !(duration > 0) || !(grace >= 0)) {
  throw new Error('--rate and --duration must be positive numbers, --grace zero or more');
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);

const log = (line: string) => console.log(`[bench] ${line}`);

/** Starts `npm start` on free ports; resolves with its URLs and the time to its ready line. */
const startCloud = (): Promise<{ child: ChildProcess; edge: string; api: string; readyMs: number }> =>
  new Promise((resolve, reject) => {
    const startedAt = Date.now();
    // A process group of its own: npm does not pass our SIGINT on to the cloud, so we signal the whole group.
    const args = ['start', '--', '--port', '0', '--api-port', '0', '--quiet'];
    if (values.concurrency !== undefined) args.push('--concurrency', values.concurrency);
    const child = spawn('npm', args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env },
      detached: true,
    });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = output.split('\n').find((line) => line.startsWith('ready'));
      if (!ready) return;
      const edge = /AWS APIs (http:\/\/127\.0\.0\.1:\d+)/.exec(ready)?.[1];
      const api = /Order API (http:\/\/127\.0\.0\.1:\d+)/.exec(ready)?.[1];
      if (!edge || !api) return reject(new Error(`cannot read the endpoints from: ${ready}`));
      child.stdout?.off('data', onData);
      resolve({ child, edge, api, readyMs: Date.now() - startedAt });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('exit', (code) => reject(new Error(`npm start exited with ${code} before ready:\n${output}`)));
  });

interface Tracked {
  readonly orderId: string;
  readonly postedAt: number;
  finalAt?: number;
  finalEvents: Set<string>;
  status?: string;
}

const main = async (): Promise<void> => {
  log('starting the local cloud with npm start…');
  const cloud = await startCloud();
  log(`ready in ${(cloud.readyMs / 1000).toFixed(1)} s (edge ${cloud.edge}, API ${cloud.api})`);
  const config = edgeConfig(cloud.edge);
  const sqs = new SQSClient(config);
  const events = new EventBridgeClient(config);
  try {
    // Final statuses arrive as events: a rule of our own on the bus sends them to a queue we read.
    const outputs = (await (await fetch(`${cloud.edge}/_orderflow/outputs`)).json()) as Record<
      string,
      string
    >;
    const busName = required(outputs, 'EventBusName');
    const queue = await sqs.send(
      new CreateQueueCommand({ QueueName: `bench-final-${randomUUID().slice(0, 8)}` }),
    );
    const queueUrl = queue.QueueUrl as string;
    const queueArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn as string;
    await events.send(
      new PutRuleCommand({
        Name: 'bench-final-status',
        EventBusName: busName,
        EventPattern: JSON.stringify({
          source: ['orderflow.orders'],
          'detail-type': ['OrderConfirmed', 'OrderCancelled'],
        }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'bench-final-status',
        EventBusName: busName,
        Targets: [{ Id: 'queue', Arn: queueArn }],
      }),
    );

    const tracked = new Map<string, Tracked>();
    const before = await stats(cloud.edge);
    let receiving = true;
    const receivers = Array.from({ length: 4 }, async () => {
      while (receiving) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        const now = Date.now();
        for (const message of Messages) {
          const event = JSON.parse(message.Body ?? '{}') as {
            'detail-type': string;
            detail: { metadata: { eventId: string }; data: { orderId: string } };
          };
          const order = tracked.get(event.detail.data.orderId);
          if (!order) continue;
          order.finalEvents.add(event.detail.metadata.eventId);
          order.status ??= event['detail-type'];
          order.finalAt ??= now;
        }
        if (Messages.length > 0) {
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: Messages.map((message, index) => ({
                Id: String(index),
                ReceiptHandle: message.ReceiptHandle,
              })),
            }),
          );
        }
      }
    });

    // Open loop: one POST every 1/rate seconds, whatever the responses do.
    const total = Math.round(rate * duration);
    const customer = `bench-${randomUUID().slice(0, 8)}`;
    // Restock first, as an operator would, so every order can be confirmed: the demo catalog holds far fewer
    // units than a run places, and cancelled orders take a shorter, cheaper path that would flatter the figures.
    await restock(cloud.edge, required(outputs, 'InventoryTableName'), BENCH_SKUS, total);
    const posts: Promise<void>[] = [];
    let accepted = 0;
    let refused = 0;
    /** Why attempts were not accepted: the HTTP status, or `network` for no response at all. */
    const rejections: Record<string, number> = {};
    let retries = 0;
    const startedAt = Date.now();
    log(`placing ${total} orders at ${rate}/s for ${duration} s…`);
    // CPU over the steady part of the sending window (after the first 10 s), where it goes, Linux only.
    let cpuFrom: CpuSample | undefined;
    const steadyFrom = Math.min(total - 1, Math.round(rate * Math.min(10, duration / 2)));
    for (let index = 0; index < total; index += 1) {
      if (index === steadyFrom) cpuFrom = cpuSample(cloud.child.pid as number);
      const due = startedAt + (index * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const postedAt = Date.now();
      const key = randomUUID();
      posts.push(
        (async () => {
          for (let attempt = 1; attempt <= 5; attempt += 1) {
            const response = await fetch(`${cloud.api}/orders`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'idempotency-key': key },
              body: JSON.stringify({
                customerId: customer,
                items: [{ sku: BENCH_SKUS[index % BENCH_SKUS.length] as string, quantity: 1 }],
                paymentToken: 'tok_visa',
                shippingAddress: {
                  line1: '1 Main Street',
                  city: 'Springfield',
                  postalCode: '12345',
                  country: 'US',
                },
              }),
            }).catch(() => undefined);
            if (response?.status === 202) {
              const { orderId } = (await response.json()) as { orderId: string };
              if (!tracked.has(orderId)) {
                tracked.set(orderId, { orderId, postedAt, finalEvents: new Set() });
                accepted += 1;
              }
              return;
            }
            await response?.text();
            const why = response ? String(response.status) : 'network';
            rejections[why] = (rejections[why] ?? 0) + 1;
            // Throttled or failed: retry with the same Idempotency-Key, as a client should.
            retries += 1;
            await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
          }
          refused += 1;
        })(),
      );
      if (index > 0 && index % (rate * 10) === 0)
        log(`  ${index} placed, ${countFinal(tracked)} final so far`);
    }
    const cpuTo = cpuSample(cloud.child.pid as number);
    await Promise.all(posts);
    const sentFor = (Date.now() - startedAt) / 1000;
    log(`all placed in ${sentFor.toFixed(1)} s; waiting up to ${grace} s for the last orders…`);
    const graceUntil = Date.now() + grace * 1000;
    while (Date.now() < graceUntil && countFinal(tracked) < tracked.size) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    receiving = false;
    await Promise.all(receivers);
    const after = await stats(cloud.edge);

    // Lost: accepted but never final. Duplicated: more orders than requests (the Idempotency-Key claim makes that
    // a bug), two outcomes for one order, or two saga executions for one order.
    const orders = [...tracked.values()];
    const finals = orders.filter((order) => order.finalAt !== undefined);
    const latencyOf = (order: Tracked) => (order.finalAt as number) - order.postedAt;
    const latencies = finals.map(latencyOf).sort((a, b) => a - b);
    // The first seconds pay every sandbox's first calls (JIT, SDK modules loaded on first use, new connections);
    // orders posted after the warm-up window (the same window "sustained" skips) show the steady state.
    const warmupEnds = startedAt + Math.min(10, duration / 2) * 1000;
    const steadyLatencies = finals
      .filter((order) => order.postedAt >= warmupEnds)
      .map(latencyOf)
      .sort((a, b) => a - b);
    const lastFinal = Math.max(...finals.map((order) => order.finalAt as number));
    const stored = await storedOrders(cloud.edge, required(outputs, 'OrdersTableName'), customer);
    const executions = await countExecutions(
      cloud.edge,
      required(outputs, 'StateMachineArn'),
      new Set(tracked.keys()),
    );
    const duplicated =
      orders.filter((order) => order.finalEvents.size > 1).length +
      Math.max(0, stored.total - total) +
      Math.max(0, executions - accepted);
    const lost = accepted - finals.length;
    const window = (timeline: number[]) => {
      // Completions per second in each full second of the sending window, for "sustained".
      const perSecond = new Map<number, number>();
      for (const at of timeline) {
        const second = Math.floor((at - startedAt) / 1000);
        perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
      }
      const steady = [...Array(Math.max(0, Math.floor(duration) - 10)).keys()].map(
        (second) => perSecond.get(second + 10) ?? 0,
      );
      return steady;
    };
    const steady = window(finals.map((order) => order.finalAt as number));
    // What the functions' code called, by service (the bench's own calls are not in it).
    const calls: Record<string, number> = {};
    for (const [service, count] of Object.entries(after.functionCalls)) {
      const used = count - (before.functionCalls[service] ?? 0);
      if (used > 0) calls[service] = used;
    }
    // Per order the cloud created: under overload that includes orders whose POST the client gave up on.
    const created = Math.max(accepted, stored.total);
    const perOrder = (count: number) => (created > 0 ? count / created : 0);
    const result = {
      date: new Date().toISOString(),
      machine: `${(await import('node:os')).cpus().length} cores`,
      rate,
      duration,
      readySeconds: cloud.readyMs / 1000,
      placed: total,
      accepted,
      refused,
      postRetries: retries,
      attemptsNotAcceptedBy: rejections,
      acceptedPerSecond: accepted / sentFor,
      completed: finals.length,
      completedPerSecond: finals.length / ((lastFinal - startedAt) / 1000),
      sustainedCompletedPerSecond: {
        mean: steady.reduce((sum, value) => sum + value, 0) / Math.max(1, steady.length),
        min: Math.min(...steady),
      },
      latencyMs: {
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
        max: latencies.at(-1),
      },
      latencyAfterWarmupMs: {
        p50: percentile(steadyLatencies, 50),
        p95: percentile(steadyLatencies, 95),
        p99: percentile(steadyLatencies, 99),
        max: steadyLatencies.at(-1),
      },
      confirmed: finals.filter((order) => order.status === 'OrderConfirmed').length,
      cancelled: finals.filter((order) => order.status === 'OrderCancelled').length,
      lost,
      duplicated,
      // Orders the cloud created for requests the client gave up on (every attempt refused or timed out), and
      // stored orders still PENDING at the end (these included).
      createdButNotAcknowledged: Math.max(0, stored.total - accepted),
      storedNotFinal: stored.pending,
      awsApiCallsPerOrder: Object.fromEntries(
        Object.entries(calls).map(([service, count]) => [service, perOrder(count)]),
      ),
      lambdaInvocationsPerOrder: perOrder(after.lambdaInvocations - before.lambdaInvocations),
      sagaExecutionsPerOrder: perOrder(after.sagaExecutions - before.sagaExecutions),
      cpuPercentWhileSending: cpuUse(cpuFrom, cpuTo),
    };
    // The targets of the issue: ready in 15 s, 50 completed orders a second sustained, p99 of 3 s, nothing lost.
    const targets = {
      readyWithin15s: result.readySeconds <= 15,
      sustained50PerSecond: result.sustainedCompletedPerSecond.mean >= 50,
      p99Within3s: result.latencyMs.p99 <= 3000,
      p99Within3sAfterWarmup: result.latencyAfterWarmupMs.p99 <= 3000,
      nothingLostOrDuplicated: lost === 0 && duplicated === 0,
    };
    writeFileSync(values.out as string, `${JSON.stringify({ ...result, targets }, null, 2)}\n`);
    report({ ...result, targets });
  } finally {
    sqs.destroy();
    events.destroy();
    await stopCloud(cloud.child);
  }
};

/** Ctrl-C for `npm start` and what it runs; waits until every process of the group is gone (SIGKILL after 30 s). */
const stopCloud = async (child: ChildProcess): Promise<void> => {
  const group = -(child.pid as number);
  const alive = (): boolean => {
    try {
      process.kill(group, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(group, 'SIGINT');
  const deadline = Date.now() + 30_000;
  while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (alive()) {
    log('the local cloud did not stop within 30 s of SIGINT: killing it');
    process.kill(group, 'SIGKILL');
  }
};

/** Cumulative CPU ticks of the cloud's threads by kind, and of DynamoDB Local, at one moment (Linux /proc). */
interface CpuSample {
  readonly at: number;
  readonly ticks: Readonly<Record<string, number>>;
}

/** What a thread of the cloud process is, by its name: Node names its threads. */
const THREAD_KINDS: Readonly<Record<string, string>> = {
  MainThread: 'cloudMainThread',
  WorkerThread: 'functionSandboxes',
  V8Worker: 'v8Background',
};

const ticksOf = (statPath: string): number => {
  const stat = readFileSync(statPath, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
};

const cpuSample = (npmPid: number): CpuSample | undefined => {
  try {
    // npm -> sh -> node lib/local/cli.ts; DynamoDB Local carries its owner's pid on its command line.
    const processes = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
    const parentOf = (pid: string): string => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] as string;
    };
    const cmdline = (pid: string): string => readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const descendants = new Set([String(npmPid)]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const pid of processes) {
        try {
          if (!descendants.has(pid) && descendants.has(parentOf(pid))) {
            descendants.add(pid);
            grew = true;
          }
        } catch {}
      }
    }
    const cloudPid = [...descendants].find((pid) => {
      try {
        return cmdline(pid).includes('lib/local/cli.ts') && !cmdline(pid).startsWith('sh');
      } catch {
        return false;
      }
    });
    if (!cloudPid) return undefined;
    const ticks: Record<string, number> = {};
    for (const tid of readdirSync(`/proc/${cloudPid}/task`)) {
      try {
        const name = readFileSync(`/proc/${cloudPid}/task/${tid}/comm`, 'utf8').trim();
        const kind = THREAD_KINDS[name] ?? 'otherThreads';
        ticks[kind] = (ticks[kind] ?? 0) + ticksOf(`/proc/${cloudPid}/task/${tid}/stat`);
      } catch {}
    }
    const jvm = processes.find((pid) => {
      try {
        return cmdline(pid).includes(`orderflow.dynamodb.owner=${cloudPid}\0`);
      } catch {
        return false;
      }
    });
    if (jvm) ticks.dynamodbLocal = ticksOf(`/proc/${jvm}/stat`);
    return { at: Date.now(), ticks };
  } catch {
    return undefined;
  }
};

/** Percent of one core per kind between two samples (100 ticks a second on Linux). */
const cpuUse = (
  from: CpuSample | undefined,
  to: CpuSample | undefined,
): Record<string, number> | undefined => {
  if (!from || !to || to.at <= from.at) return undefined;
  const seconds = (to.at - from.at) / 1000;
  const use: Record<string, number> = {};
  let total = 0;
  for (const [kind, ticks] of Object.entries(to.ticks)) {
    const percent = (ticks - (from.ticks[kind] ?? 0)) / seconds;
    use[kind] = percent;
    total += percent;
  }
  use.total = total;
  return use;
};

const countFinal = (tracked: Map<string, Tracked>): number =>
  [...tracked.values()].filter((order) => order.finalAt !== undefined).length;

interface CloudStats {
  /** AWS API calls the functions' code made, by service. */
  readonly functionCalls: Record<string, number>;
  readonly lambdaInvocations: number;
  readonly sagaExecutions: number;
}

const stats = async (edge: string): Promise<CloudStats> =>
  (await (await fetch(`${edge}/_orderflow/stats`)).json()) as CloudStats;

const BENCH_SKUS = ['SKU-CABLE', 'SKU-MOUSE'];

/** Adds `units` to each sku's stock (ADD on the Inventory item the reservation steps decrement). */
const restock = async (
  edge: string,
  table: string,
  skus: readonly string[],
  units: number,
): Promise<void> => {
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(edgeConfig(edge)));
  for (const sku of skus) {
    await dynamo.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: `SKU#${sku}` },
        UpdateExpression: 'ADD available :units',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':units': units },
      }),
    );
  }
  dynamo.destroy();
};

const required = (outputs: Record<string, string>, name: string): string => {
  const value = outputs[name];
  if (!value) throw new Error(`the local cloud has no stack output ${name}`);
  return value;
};

const edgeConfig = (edge: string) => ({
  region: 'us-east-1',
  endpoint: edge,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

/** Orders stored for the bench's customer, and how many are still PENDING: more than were placed would be a duplicate. */
const storedOrders = async (
  edge: string,
  table: string,
  customerId: string,
): Promise<{ total: number; pending: number }> => {
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(edgeConfig(edge)));
  let total = 0;
  let pending = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'customerId = :customer AND begins_with(pk, :order)',
        ExpressionAttributeValues: { ':customer': customerId, ':order': 'ORDER#' },
        ProjectionExpression: '#status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      total += 1;
      if (item.status !== 'CONFIRMED' && item.status !== 'CANCELLED') pending += 1;
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  dynamo.destroy();
  return { total, pending };
};

/** Saga executions for the bench's orders: more than one per order would be a duplicate. */
const countExecutions = async (
  edge: string,
  stateMachineArn: string,
  orderIds: Set<string>,
): Promise<number> => {
  const sfn = new SFNClient(edgeConfig(edge));
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1000, nextToken }));
    count += (page.executions ?? []).filter((execution) => orderIds.has(execution.name ?? '')).length;
    nextToken = page.nextToken;
  } while (nextToken);
  sfn.destroy();
  return count;
};

const report = (result: Record<string, unknown> & { latencyMs: Record<string, unknown> }): void => {
  const round = (value: unknown) => (typeof value === 'number' ? Math.round(value * 10) / 10 : value);
  console.log('\norderflow local-cloud benchmark');
  for (const [key, value] of Object.entries(result)) {
    if (value === undefined) continue;
    if (typeof value === 'object' && value !== null) {
      console.log(`  ${key}:`);
      for (const [inner, innerValue] of Object.entries(value))
        console.log(`    ${inner}: ${round(innerValue)}`);
    } else {
      console.log(`  ${key}: ${round(value)}`);
    }
  }
};

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
