import { ChangeMessageVisibilityCommand, ReceiveMessageCommand, SendMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer as SqsConsumer, type ConsumerOptions } from 'sqs-consumer';
import type { AnyEvent, EventOf, EventType } from '../contracts';
import type { QueueSpec } from '../topology';
import { findQueueUrl } from './addresses';
import { decodeEvent } from './decode';
import { BatchDeleter } from './deleter';
import { FailureBackoff } from './failure-backoff';
import { LeaseKeeper } from './lease';
import { silentLogger, type Logger } from './logger';
import { failureAttributes, PoisonMessageError } from './poison';
import { inEventSpan, inTraceOf } from './tracing';

export type EventHandler<T extends EventType> = (event: EventOf<T>) => Promise<void>;
export type EventHandlers<T extends EventType> = { [K in T]: EventHandler<K> };

export interface EventConsumerOptions<T extends EventType> {
  sqs: SQSClient;
  /** The queue as the topology describes it: its name, dead-letter queue, visibility timeout and long-poll wait. */
  queue: Pick<QueueSpec, 'name' | 'deadLetterQueueName' | 'visibilityTimeoutSeconds' | 'receiveWaitTimeSeconds'>;
  handlers: EventHandlers<T>;
  logger?: Logger;
  /** Long-poll wait, 1-20 s, when not the queue's. stop() cancels the poll in flight, so it does not make stopping slower. */
  waitTimeSeconds?: number;
  /**
   * How long a message stays hidden from other consumers after a receive took it (the receive's VisibilityTimeout),
   * renewed every `leaseSeconds / 2.5` while its handler runs. A message whose receive was cancelled (see stop())
   * or whose worker died is visible again after this, instead of after the queue's visibility timeout.
   */
  leaseSeconds?: number;
  /**
   * Says whether a handler's error will likely pass within a second or two (the database restarting): such a
   * failure is retried in process a few times first (see inProcessRetryDelaysMs) instead of going straight back to
   * the queue, where every retry counts toward the dead-letter queue. Unset, every failure goes back to the queue.
   */
  isTransient?: (error: unknown) => boolean;
  /**
   * Runs the handlers of a received batch as one unit that succeeds or fails as a whole: for a service, one database
   * transaction (kit's inSharedTransaction), so a batch of ten costs two statements of transaction control, not
   * twenty. Should the unit fail, each of its events is handled again on its own, so one failing event neither fails
   * nor holds up its neighbours beyond that. Unset, the events of a batch are handled each on its own, concurrently.
   */
  unitOfWork?: (work: () => Promise<void>) => Promise<void>;
}

/** A received message that decodes to an event this consumer has a handler for. */
interface Handleable {
  message: Message;
  event: AnyEvent;
  handler: (event: AnyEvent) => Promise<void>;
}

/** The waits before each in-process retry of a handler that failed transiently; then the queue takes over. */
const inProcessRetryDelaysMs = [250, 500, 1_000];

/**
 * How long a handled message may wait for others to share its DeleteMessageBatch. Deletes are off the saga's path
 * (nothing waits for them but stop()) and far inside the lease, so waiting costs nothing and saves requests.
 */
const deleteLingerMs = 50;

/** Longest delay before a failed message is retried; each retry waits twice as long as the one before. */
const maxRetryDelaySeconds = 60;
/**
 * Short enough that a message taken by a cancelled receive is back within seconds; long enough that the renewals
 * (every 2 s) keep a message being handled hidden even through a slow moment. A renewal that comes too late costs a
 * duplicate delivery, which the services' inbox absorbs; it loses nothing.
 */
export const defaultLeaseSeconds = 5;

/**
 * Receives events from one queue and dispatches them to typed handlers.
 * - A handler that resolves acknowledges the message (it is deleted).
 * - A handler that throws leaves the message for a retry with exponential backoff; after the queue's
 *   maxReceiveCount SQS's redrive policy moves it to the dead-letter queue.
 * - A message that can never be handled (not JSON, breaks its schema, unknown type) goes to the
 *   dead-letter queue at once, with the reason as message attributes, and does not hold up the others.
 * - With a unit of work, the events of a received batch are handled together in it (see unitOfWork).
 */
export class EventConsumer<T extends EventType> {
  private consumer?: SqsConsumer;
  private queueUrl?: string;
  private deadLetterQueueUrl?: string;
  private deleter?: BatchDeleter;
  private leases?: LeaseKeeper;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly receiveBackoff = new FailureBackoff();
  private readonly logger: Logger;

  private readonly waitTimeSeconds: number;
  private readonly leaseSeconds: number;
  /** Cancels the receive in flight, or the wait for the queue to be reachable; a new one per start(). */
  private receiving = new AbortController();
  /** Looking for the queue in the background, when it could not be reached at start(). */
  private connecting?: Promise<void>;

  constructor(private readonly options: EventConsumerOptions<T>) {
    this.logger = options.logger ?? silentLogger;
    this.waitTimeSeconds = options.waitTimeSeconds ?? options.queue.receiveWaitTimeSeconds;
    // The lease never exceeds the queue's visibility timeout.
    this.leaseSeconds = Math.ceil(Math.max(2, Math.min(options.leaseSeconds ?? defaultLeaseSeconds, options.queue.visibilityTimeoutSeconds)));
  }

  /**
   * Starts consuming. A queue that cannot be reached yet (SNS/SQS down or cut off) does not fail the start, which
   * would make the worker exit and be restarted in a loop: it is logged, looked for again with backoff in the
   * background (a log line on the first failure and every 20th), and consumed from once found. Meanwhile the
   * service's readiness check reports the queue unavailable.
   */
  async start(): Promise<void> {
    if (this.consumer || this.connecting) return;
    this.receiving = new AbortController();
    const { signal } = this.receiving;
    if (await this.connect(signal)) return;
    this.connecting = this.keepConnecting(signal).finally(() => (this.connecting = undefined));
  }

  /** Finds the queues and starts receiving; false when they cannot be reached (counted for the backoff and logged). */
  private async connect(signal: AbortSignal): Promise<boolean> {
    const { sqs, queue } = this.options;
    let queueUrl: string;
    try {
      queueUrl = await findQueueUrl(sqs, queue.name);
      this.deadLetterQueueUrl = await findQueueUrl(sqs, queue.deadLetterQueueName);
    } catch (error) {
      if (this.receiveBackoff.failed()) {
        this.logger.warn({ err: error, queue: queue.name, failures: this.receiveBackoff.failures }, 'cannot reach the queue yet; retrying with backoff');
      }
      return false;
    }
    if (signal.aborted) return true; // stopped meanwhile: nothing to start
    this.receiveBackoff.succeeded();
    this.queueUrl = queueUrl;
    this.deleter = new BatchDeleter(sqs, queueUrl, deleteLingerMs);
    this.leases = new LeaseKeeper(sqs, queueUrl, this.leaseSeconds);
    this.consumer = SqsConsumer.create(this.sqsConsumerOptions(queueUrl));
    this.reportOn(this.consumer);
    this.consumer.start();
    this.logger.info({ queue: queue.name }, 'consuming events');
    return true;
  }

  private async keepConnecting(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.receiveBackoff.delayMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted || (await this.connect(signal))) return;
    }
  }

  /**
   * Stops receiving: cancels the long poll in flight, waits for the messages already being handled, and returns
   * once they are settled, within about a second when handlers are quick, whatever `waitTimeSeconds` is. So a
   * worker stops well inside `docker stop`'s 10 s and ECS's 30 s, even in the middle of a 20 s poll (the longest
   * SQS allows).
   *
   * Why cancelling is safe: SQS does not notice that a client gave up on a ReceiveMessage, so a cancelled long poll
   * can still take messages on the server, whose answer nobody reads. Those messages stay hidden only for the
   * receive's VisibilityTimeout, which is the short lease (`leaseSeconds`, renewed while a handler works), not the
   * queue's much longer visibility timeout: the next consumer gets them within seconds. Nothing is lost; at worst
   * one is delayed by the lease.
   * (Letting the poll run out instead kept stopping up to 20 s long, past `docker stop`'s SIGKILL at 10 s.)
   */
  async stop(): Promise<void> {
    if (this.connecting) {
      this.receiving.abort();
      await this.connecting;
    }
    const consumer = this.consumer;
    if (!consumer) return;
    this.consumer = undefined; // from here on, receive errors are expected and not worth a warning
    const stopped = new Promise<void>((resolve) => consumer.once('stopped', () => resolve()));
    consumer.stop(); // no new receive from here on
    this.receiving.abort(); // and the one in flight is given up
    await stopped;
    // Handlers that finish add their deletes: wait until nothing is left.
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  get isRunning(): boolean {
    return this.consumer?.status.isRunning ?? false;
  }

  /** How sqs-consumer receives from the queue: leases, long polls, backoff, and deleting left to process(). */
  private sqsConsumerOptions(queueUrl: string): ConsumerOptions {
    return {
      sqs: withCancellableReceives(this.options.sqs, this.receiving.signal),
      queueUrl,
      // Keep the client's configured endpoint (emulator, proxy, LocalStack) rather than the URL's host.
      useQueueUrlAsEndpoint: false,
      batchSize: 10,
      waitTimeSeconds: this.waitTimeSeconds,
      // How long stop() waits for the last poll's messages to be handled (the receive itself is cancelled at once).
      pollingCompleteWaitTimeMs: (this.waitTimeSeconds + this.leaseSeconds) * 1000,
      // Received messages are leased for leaseSeconds; the LeaseKeeper renews the lease of each while it is handled.
      visibilityTimeout: this.leaseSeconds,
      // Receive errors back off here (see backOffAfterFailures); the library's own pause covers only some of them.
      authenticationErrorTimeout: 0,
      preReceiveMessageCallback: () => this.backOffAfterFailures(),
      messageSystemAttributeNames: ['ApproximateReceiveCount'],
      messageAttributeNames: ['All'],
      // Deleting is done here, after the handler (batched, see acknowledge()), and counted as in-flight work that stop() waits for.
      shouldDeleteMessages: false,
      // A failed message is delayed here, each by its own receive count (retryLater); this only covers a bug in processBatch.
      terminateVisibilityTimeout: (messages) => retryDelaySeconds(messages[0]),
      handleMessageBatch: async (messages) => {
        await this.track(this.processBatch(messages));
        return [];
      },
    };
  }

  /** Counts receive failures for the backoff and logs them, their end, and failed handlers. */
  private reportOn(consumer: SqsConsumer): void {
    const queue = this.options.queue.name;
    consumer.on('error', (error) => {
      if (!this.consumer) return; // stopping: the cancelled receive fails, as it should
      if (this.receiveBackoff.failed()) {
        this.logger.warn({ err: error, queue, failures: this.receiveBackoff.failures }, 'receiving from queue failed; retrying with backoff');
      }
    });
    const received = () => {
      const failures = this.receiveBackoff.succeeded();
      if (failures > 0) this.logger.info({ queue, failures }, 'receiving from queue recovered');
    };
    consumer.on('empty', received);
    consumer.on('response_processed', received);
  }

  /** While the queue is unreachable, wait longer before each receive (see FailureBackoff), or until stop(). */
  private async backOffAfterFailures(): Promise<void> {
    if (this.receiveBackoff.failures === 0) return;
    await sleep(this.receiveBackoff.delayMs, undefined, { signal: this.receiving.signal }).catch(() => undefined);
  }

  /** Handles a received batch (processEach), keeping each message's lease until it is settled. */
  private async processBatch(messages: Message[]): Promise<void> {
    this.leases!.hold(messages);
    try {
      await this.processEach(messages);
    } finally {
      for (const message of messages) this.leases!.release(message);
    }
  }

  /**
   * Inside the unit of work when there is one (see EventConsumerOptions.unitOfWork), one event after another, and
   * each on its own should the unit fail; otherwise each on its own, concurrently. Poison and events without a
   * handler are always handled on their own (they go to the dead-letter queue). Never throws: a message that fails
   * is delayed for its retry here, by its own receive count.
   */
  private async processEach(messages: Message[]): Promise<void> {
    const handleable = this.options.unitOfWork && messages.length > 1 ? messages.flatMap((message) => this.handleableOrNone(message)) : [];
    const alone = messages.filter((message) => !handleable.some((item) => item.message === message));
    if (handleable.length > 0 && !(await this.processTogether(handleable))) alone.push(...handleable.map(({ message }) => message));
    await Promise.all(alone.map((message) => this.processAlone(message)));
  }

  /** Runs the handlers of `items` one after another in the unit of work; false when it failed (nothing was kept). */
  private async processTogether(items: Handleable[]): Promise<boolean> {
    const startedAt = performance.now();
    try {
      await this.options.unitOfWork!(async () => {
        for (const { message, handler, event } of items) await inEventSpan(message, event, this.options.queue.name, () => handler(event));
      });
    } catch (error) {
      this.logger.info({ err: error, queue: this.options.queue.name, events: items.length }, 'handling a batch together failed; handling its events one by one');
      return false;
    }
    for (const { message, event } of items) {
      inTraceOf(message, () => this.logHandled(event, startedAt, items.length));
      this.acknowledge(message);
    }
    return true;
  }

  /** The message's event and its handler; throws PoisonMessageError when it is poison or has no handler here. */
  private decode(message: Message): Handleable {
    const event = decodeEvent(message.Body);
    // Typed per event when the handlers were given; here one event of any type is dispatched by its type.
    const handlers = this.options.handlers as unknown as Partial<Record<EventType, (event: AnyEvent) => Promise<void>>>;
    const handler = handlers[event.type];
    if (!handler) throw new PoisonMessageError('unknown_type', `${this.options.queue.name} has no handler for ${event.type}`);
    return { message, event, handler };
  }

  /** decode()'s result as a list of one, or none for poison, which is handled on its own. */
  private handleableOrNone(message: Message): Handleable[] {
    try {
      return [this.decode(message)];
    } catch {
      return [];
    }
  }

  /** Handles one message: its event, or the dead-letter queue for poison; a failure delays its retry. */
  private async processAlone(message: Message): Promise<void> {
    const startedAt = performance.now();
    try {
      const { event, handler } = this.decode(message);
      await inEventSpan(message, event, this.options.queue.name, async () => {
        await this.handleWithRetries(handler, event);
        this.logHandled(event, startedAt);
      });
    } catch (error) {
      if (!(error instanceof PoisonMessageError)) return this.retryLater(message, error);
      try {
        await this.deadLetter(message, error);
      } catch (deadLetterError) {
        return this.retryLater(message, deadLetterError);
      }
    }
    this.acknowledge(message);
  }

  /** One line per event, as pino-http writes one per request: its duration is what the benchmark reads. */
  private logHandled(event: AnyEvent, startedAt: number, batch?: number): void {
    const durationMs = Math.round((performance.now() - startedAt) * 10) / 10;
    this.logger.info({ eventId: event.id, type: event.type, correlationId: event.correlationId, durationMs, batch }, 'event handled');
  }

  /**
   * Leaves a failed message for a retry after a delay that doubles with each receive (retryDelaySeconds); after the
   * queue's maxReceiveCount, SQS's redrive policy moves it to the dead-letter queue. Should even that request fail,
   * the message is back after its lease.
   */
  private async retryLater(message: Message, error: unknown): Promise<void> {
    const queue = this.options.queue.name;
    this.leases!.release(message);
    this.logger.warn({ err: error, queue, messageId: message.MessageId }, 'event handler failed; the message will be retried');
    await this.options.sqs
      .send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: retryDelaySeconds(message) }))
      .catch((delayError: unknown) => this.logger.warn({ err: delayError, queue, messageId: message.MessageId }, 'delaying a failed message failed; it is back after its lease'));
  }

  /**
   * Runs a handler; when it fails transiently (options.isTransient), runs it again after each of the short waits of
   * inProcessRetryDelaysMs, unless the consumer is stopping, before giving the failure back to the queue. Handlers
   * are idempotent (the inbox), so running one again is safe.
   */
  private async handleWithRetries(handler: (event: AnyEvent) => Promise<void>, event: AnyEvent): Promise<void> {
    for (const delayMs of [...inProcessRetryDelaysMs, undefined]) {
      try {
        return await handler(event);
      } catch (error) {
        if (delayMs === undefined || !this.options.isTransient?.(error) || this.receiving.signal.aborted) throw error;
        this.logger.info({ err: error, eventId: event.id, type: event.type, retryInMs: delayMs }, 'event handler failed transiently; retrying in process');
        await sleep(delayMs);
      }
    }
  }

  /**
   * Deletes a handled message without holding up the next receive: the delete joins a batch (see BatchDeleter) and
   * stop() waits for it. Should it fail, the message comes back after its lease and the inbox skips it.
   */
  private acknowledge(message: Message): void {
    const queue = this.options.queue.name;
    this.leases!.release(message);
    void this.track(
      this.deleter!.delete(message.ReceiptHandle!).catch((error: unknown) =>
        this.logger.warn({ err: error, queue, messageId: message.MessageId }, 'deleting a handled message failed; it will be delivered again and skipped'),
      ),
    );
  }

  private async deadLetter(message: Message, error: PoisonMessageError): Promise<void> {
    this.logger.error(
      { queue: this.options.queue.name, messageId: message.MessageId, reason: error.reason, detail: error.detail },
      'unprocessable message moved to the dead-letter queue',
    );
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value.slice(0, 1024) || '-' });
    await this.options.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        MessageBody: message.Body || '(empty)',
        MessageAttributes: {
          ...message.MessageAttributes,
          [failureAttributes.reason]: attribute(error.reason),
          [failureAttributes.detail]: attribute(error.detail),
          [failureAttributes.sourceQueue]: attribute(this.options.queue.name),
        },
      }),
    );
  }

  private track<R>(work: Promise<R>): Promise<R> {
    this.inFlight.add(work);
    work.then(
      () => this.inFlight.delete(work),
      () => this.inFlight.delete(work),
    );
    return work;
  }
}

/**
 * The SQS client as sqs-consumer sees it, with only its ReceiveMessage calls tied to `cancel`. The heartbeats,
 * visibility changes and deletes of messages still being handled must go through while stop() waits for them
 * (sqs-consumer's own `stop({ abort: true })` would cancel those too).
 */
function withCancellableReceives(sqs: SQSClient, cancel: AbortSignal): SQSClient {
  // By name too: a second copy of the SDK inside sqs-consumer would fail instanceof, and stopping would be slow again.
  const isReceive = (command: object) => command instanceof ReceiveMessageCommand || command.constructor.name === ReceiveMessageCommand.name;
  return new Proxy(sqs, {
    get(target, property) {
      if (property !== 'send') return Reflect.get(target, property, target);
      return (command: Parameters<SQSClient['send']>[0], options?: Parameters<SQSClient['send']>[1]) =>
        target.send(command, isReceive(command) ? { ...options, abortSignal: cancel } : options);
    },
  });
}

function retryDelaySeconds(message: Message | undefined): number {
  const receives = Number(message?.Attributes?.ApproximateReceiveCount ?? 1);
  return Math.min(2 ** receives, maxRetryDelaySeconds);
}
