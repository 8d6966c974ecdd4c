import { randomUUID } from 'node:crypto';
import { AwsApiError } from '#lib/local/core/aws-protocol';
import type { CloudContext } from '#lib/local/core/types';
import type { FauxqsMessage, FauxqsQueue, MountedFauxqs } from './fauxqs.ts';
import { summarizePayload } from './payload.ts';
import type { SqsService } from './sqs-service.ts';

export type MoveTaskStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

interface MoveTask {
  readonly taskHandle: string;
  readonly sourceArn: string;
  readonly destinationArn: string | undefined;
  readonly maxPerSecond: number | undefined;
  readonly startedTimestamp: number;
  readonly toMove: number;
  status: MoveTaskStatus;
  moved: number;
  failureReason?: string;
  /** The messages in the source queue when the task started that are still to move. */
  readonly pending: Set<FauxqsMessage>;
  /** For a rate-limited task: messages it may move now. */
  allowance: number;
  lastStep: number;
  timer?: NodeJS.Timeout | undefined;
}

/** How often a task moves a batch (real ms); without a rate limit it moves up to BATCH messages each time. */
const STEP_MS = 10;
const BATCH = 500;
const MAX_RATE = 500;
/** AWS lists the most recent tasks (up to 10) per source queue. */
const HISTORY = 10;

const parameter = (message: string): AwsApiError => new AwsApiError('InvalidParameterValue', message);
const notFound = (message: string): AwsApiError => new AwsApiError('ResourceNotFoundException', message, 404);

/**
 * StartMessageMoveTask, ListMessageMoveTasks and CancelMessageMoveTask (DLQ redrive), which fauxqs lacks, as
 * the SQS API reference describes them: the source must be a dead-letter queue of another queue; without a
 * DestinationArn each message goes back to the queue it was dead-lettered from; one running task per source;
 * redriven messages are new messages (new message id, receive count 0, retention from now); the task moves the
 * messages that were in the DLQ when it started, oldest first, at MaxNumberOfMessagesPerSecond (per AWS second,
 * so the time scale applies) or as fast as it can.
 */
export class MessageMoveTasks {
  private readonly tasks: MoveTask[] = [];

  constructor(
    private readonly ctx: CloudContext,
    private readonly fauxqs: () => MountedFauxqs,
    private readonly sqs: SqsService,
  ) {}

  close(): void {
    for (const task of this.tasks) {
      clearTimeout(task.timer);
      task.timer = undefined;
    }
  }

  start(request: Record<string, unknown>): { TaskHandle: string } {
    const sourceArn = request.SourceArn;
    if (typeof sourceArn !== 'string' || sourceArn === '') {
      throw new AwsApiError('MissingParameter', 'The request must contain the parameter SourceArn.');
    }
    const { sqs } = this.fauxqs();
    const source = sqs.getQueueByArn(sourceArn);
    if (!source)
      throw notFound('The resource that you specified for the SourceArn parameter does not exist.');
    if (!this.isDeadLetterQueue(sourceArn)) {
      throw parameter('Source queue must be configured as a Dead Letter Queue.');
    }
    if (this.tasks.some((task) => task.sourceArn === sourceArn && task.status === 'RUNNING')) {
      throw parameter(
        'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
      );
    }
    const destinationArn = request.DestinationArn;
    if (destinationArn !== undefined && destinationArn !== null) {
      if (typeof destinationArn !== 'string') throw parameter('DestinationArn must be a string.');
      const destination = sqs.getQueueByArn(destinationArn);
      if (!destination) {
        throw notFound('The resource that you specified for the DestinationArn parameter does not exist.');
      }
      if (destination.isFifo() !== source.isFifo()) {
        throw parameter('The source queue and the destination queue must be of the same queue type.');
      }
    }
    const rate = request.MaxNumberOfMessagesPerSecond;
    if (rate !== undefined && rate !== null) {
      if (typeof rate !== 'number' || !Number.isInteger(rate) || rate < 1 || rate > MAX_RATE) {
        throw parameter(
          `Value ${String(rate)} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and ${MAX_RATE}.`,
        );
      }
    }
    source.processTimers();
    const { ready, delayed, inflight } = this.sqs.contents(source);
    const pending = new Set([...ready, ...delayed, ...inflight]);
    const task: MoveTask = {
      taskHandle: Buffer.from(JSON.stringify({ taskId: randomUUID(), sourceArn })).toString('base64'),
      sourceArn,
      destinationArn: typeof destinationArn === 'string' ? destinationArn : undefined,
      maxPerSecond: typeof rate === 'number' ? rate : undefined,
      startedTimestamp: Date.now(),
      toMove: pending.size,
      status: 'RUNNING',
      moved: 0,
      pending,
      allowance: 0,
      lastStep: Date.now(),
    };
    this.tasks.push(task);
    this.prune(sourceArn);
    this.ctx.log(
      `messaging: message move task started on ${source.name} (${task.toMove} messages to ${task.destinationArn ?? 'their source queues'})`,
    );
    this.schedule(task, 0);
    return { TaskHandle: task.taskHandle };
  }

  list(request: Record<string, unknown>): { Results: Record<string, unknown>[] } {
    const sourceArn = request.SourceArn;
    if (typeof sourceArn !== 'string' || sourceArn === '') {
      throw new AwsApiError('MissingParameter', 'The request must contain the parameter SourceArn.');
    }
    if (!this.fauxqs().sqs.getQueueByArn(sourceArn)) {
      throw notFound('The resource that you specified for the SourceArn parameter does not exist.');
    }
    const max = request.MaxResults ?? 1;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > HISTORY) {
      throw parameter(
        `Value ${String(max)} for parameter MaxResults is invalid. Reason: Must be between 1 and ${HISTORY}.`,
      );
    }
    const results = this.tasks
      .filter((task) => task.sourceArn === sourceArn)
      .reverse()
      .slice(0, max)
      .map((task) => ({
        ...(task.status === 'RUNNING' ? { TaskHandle: task.taskHandle } : {}),
        Status: task.status,
        SourceArn: task.sourceArn,
        ...(task.destinationArn !== undefined ? { DestinationArn: task.destinationArn } : {}),
        ...(task.maxPerSecond !== undefined ? { MaxNumberOfMessagesPerSecond: task.maxPerSecond } : {}),
        ApproximateNumberOfMessagesMoved: task.moved,
        ApproximateNumberOfMessagesToMove: task.toMove,
        ...(task.status === 'FAILED' && task.failureReason ? { FailureReason: task.failureReason } : {}),
        StartedTimestamp: task.startedTimestamp,
      }));
    return { Results: results };
  }

  cancel(request: Record<string, unknown>): { ApproximateNumberOfMessagesMoved: number } {
    const handle = request.TaskHandle;
    if (typeof handle !== 'string' || handle === '') {
      throw new AwsApiError('MissingParameter', 'The request must contain the parameter TaskHandle.');
    }
    const task = this.tasks.find((candidate) => candidate.taskHandle === handle);
    if (!task) throw notFound('The task you specified does not exist.');
    if (task.status !== 'RUNNING') {
      throw parameter(`Only a task in RUNNING status can be cancelled; this one is ${task.status}.`);
    }
    clearTimeout(task.timer);
    task.timer = undefined;
    task.status = 'CANCELLED';
    return { ApproximateNumberOfMessagesMoved: task.moved };
  }

  /** ListDeadLetterSourceQueues: the queues whose RedrivePolicy targets `queueArn`. */
  sourcesOf(queueArn: string): FauxqsQueue[] {
    return [...this.fauxqs().sqs.allQueues()]
      .filter((queue) => redriveTarget(queue) === queueArn)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private isDeadLetterQueue(queueArn: string): boolean {
    return this.sourcesOf(queueArn).length > 0;
  }

  private schedule(task: MoveTask, ms: number): void {
    task.timer = setTimeout(() => this.step(task), ms);
    task.timer.unref?.();
  }

  private step(task: MoveTask): void {
    task.timer = undefined;
    if (task.status !== 'RUNNING') return;
    const { sqs } = this.fauxqs();
    const source = sqs.getQueueByArn(task.sourceArn);
    if (!source) {
      this.fail(task, 'The source queue was deleted.');
      return;
    }
    source.processTimers();
    const contents = this.sqs.contents(source);
    const present = new Set([...contents.ready, ...contents.delayed, ...contents.inflight]);
    for (const message of task.pending) if (!present.has(message)) task.pending.delete(message);

    let budget = BATCH;
    if (task.maxPerSecond !== undefined) {
      const now = Date.now();
      const perMs = task.maxPerSecond / this.ctx.time.ms(1);
      task.allowance = Math.min(
        task.allowance + (now - task.lastStep) * perMs,
        Math.max(1, task.maxPerSecond),
      );
      task.lastStep = now;
      budget = Math.floor(task.allowance);
    }
    const candidates = contents.ready
      .filter((message) => task.pending.has(message))
      .sort((a, b) => a.sentTimestamp - b.sentTimestamp)
      .slice(0, budget);
    for (const message of candidates) {
      const destinationArn = task.destinationArn ?? this.sqs.deadLetterOrigin(message)?.sourceArn;
      if (!destinationArn) {
        this.fail(
          task,
          `Message ${message.messageId} was not moved to this queue by a redrive policy, so it has no source queue to return to. Specify a DestinationArn.`,
        );
        return;
      }
      const destination = sqs.getQueueByArn(destinationArn);
      if (!destination) {
        this.fail(task, `The destination queue ${destinationArn} does not exist.`);
        return;
      }
      this.move(source, destination, message);
      task.pending.delete(message);
      task.moved += 1;
      if (task.maxPerSecond !== undefined) task.allowance -= 1;
    }
    if (task.pending.size === 0) {
      task.status = 'COMPLETED';
      this.ctx.log(`messaging: message move task on ${source.name} completed (${task.moved} moved)`);
      return;
    }
    this.schedule(task, STEP_MS);
  }

  /** Takes a visible message out of the DLQ and sends a new message with its content to the destination. */
  private move(source: FauxqsQueue, destination: FauxqsQueue, message: FauxqsMessage): void {
    if (source.isFifo()) {
      const group = message.messageGroupId ?? '__default';
      const messages = source.fifoMessages.get(group) ?? [];
      const index = messages.indexOf(message);
      if (index >= 0) messages.splice(index, 1);
      if (messages.length === 0) source.fifoMessages.delete(group);
    } else {
      const index = source.messages.indexOf(message);
      if (index >= 0) source.messages.splice(index, 1);
    }
    const fauxqs = this.fauxqs();
    const moved = destination.isFifo()
      ? fauxqs.createMessage(
          message.body,
          message.messageAttributes,
          message.messageGroupId,
          message.messageDeduplicationId ?? message.messageId,
        )
      : fauxqs.createMessage(message.body, message.messageAttributes);
    if (destination.isFifo()) moved.sequenceNumber = destination.nextSequenceNumber();
    destination.enqueue(moved);
    const summary = summarizePayload(message.body, message.messageAttributes);
    this.ctx.trace.emit({
      orderId: summary.orderId,
      event: summary.eventType ?? 'message',
      service: `sqs:${source.name}`,
      outcome: `redriven to ${destination.name}`,
    });
  }

  private fail(task: MoveTask, reason: string): void {
    task.status = 'FAILED';
    task.failureReason = reason;
    this.ctx.log(`messaging: message move task failed: ${reason}`);
  }

  private prune(sourceArn: string): void {
    const ofSource = this.tasks.filter((task) => task.sourceArn === sourceArn && task.status !== 'RUNNING');
    for (const task of ofSource.slice(0, Math.max(0, ofSource.length - HISTORY))) {
      this.tasks.splice(this.tasks.indexOf(task), 1);
    }
  }
}

/** The deadLetterTargetArn of a queue's RedrivePolicy. */
export const redriveTarget = (queue: FauxqsQueue): string | undefined => {
  const policy = queue.attributes.RedrivePolicy;
  if (!policy) return undefined;
  try {
    const parsed = JSON.parse(policy) as { deadLetterTargetArn?: unknown };
    return typeof parsed.deadLetterTargetArn === 'string' ? parsed.deadLetterTargetArn : undefined;
  } catch {
    return undefined;
  }
};
