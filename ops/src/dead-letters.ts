import { randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { failureAttributes, findQueueUrl, resolveTopology, traceAttribute, type QueueSpec, type Topology } from '@bookstore/events';

/** One message in a dead-letter queue, as whoever is paged needs to see it. */
export interface DeadLetter {
  messageId: string;
  /** The raw body, as the consumer received it. */
  body: string;
  /** From the event envelope, when the body is JSON that has them. */
  eventId?: string;
  type?: string;
  correlationId?: string;
  /** Receives so far, the DLQ's own included (peeking counts too). */
  receiveCount: number;
  /** When it was sent to the queue it is in: by the consumer for poison, by the producer for a redriven one. */
  sentAt: Date;
  /**
   * Why the consumer dead-lettered it as poison (failure-reason, failure-detail, source-queue attributes).
   * Absent when SQS's redrive policy moved it there after maxReceiveCount failed receives.
   */
  reason?: string;
  detail?: string;
  sourceQueue?: string;
  /** The W3C trace context the event was published with (traceparent attribute), which its handler continued. */
  traceparent?: string;
}

export interface RedriveResult {
  deadLetterQueue: string;
  queue: string;
  dryRun: boolean;
  /** Sent back to `queue` and deleted from the dead-letter queue; none on a dry run. */
  moved: number;
  /** Moved messages that were dead-lettered again while the redrive ran: the consumer still fails on them. */
  cameBack: number;
  /** On a dry run, what would move (up to `limit`); empty otherwise. */
  wouldMove: DeadLetter[];
  /** How many of those (would have) moved per failure-reason: poison, which dead-letters again unless the consumer changed. */
  poisonReasons: Record<string, number>;
}

/** How long peeked or moving messages stay hidden; if the process dies, they are back in the queue after this. */
const holdSeconds = 60;
const batchSize = 10;
/**
 * Marks the messages of one redrive. The consumer keeps a message's attributes when it dead-letters it, and so
 * does SQS's redrive policy: a message carrying this run's mark has come back, and moving it again would loop.
 */
const redriveRunAttribute = 'redrive-run';

/** The queue named by a consumer (`orders`), a queue (`orders-queue`) or its DLQ (`orders-queue-dlq`). */
export function resolveQueue(topology: Topology, name: string): QueueSpec {
  // The names without the prefix work too: `orders-queue` for `bookstore-prod-orders-queue`.
  const unprefixed = resolveTopology().queues;
  const queue = topology.queues.find((candidate) => {
    const plain = unprefixed.find(({ consumer }) => consumer === candidate.consumer);
    return [candidate.consumer, candidate.name, candidate.deadLetterQueueName, plain?.name, plain?.deadLetterQueueName].includes(name);
  });
  if (queue) return queue;
  const valid = topology.queues.flatMap((candidate) => [candidate.consumer, candidate.name, candidate.deadLetterQueueName]);
  throw new Error(`unknown queue '${name}'; valid names: ${valid.join(', ')}`);
}

/**
 * Reads up to `limit` messages of a queue's dead-letter queue and makes them all visible again: nothing is
 * removed. While it reads, the messages are hidden from anyone else (a concurrent redrive skips them).
 */
export async function peekDeadLetters(sqs: SQSClient, queue: QueueSpec, { limit = 100 } = {}): Promise<DeadLetter[]> {
  const url = await queueUrl(sqs, queue.deadLetterQueueName);
  // By id: should a read outlast holdSeconds, a message can come round again, and its latest receipt is the valid one.
  const held = new Map<string, Message>();
  try {
    while (held.size < limit) {
      const batch = await receive(sqs, url, Math.min(batchSize, limit - held.size));
      if (batch.length === 0) break;
      for (const message of batch) held.set(message.MessageId ?? '', message);
    }
  } finally {
    await makeVisible(sqs, url, [...held.values()]);
  }
  return [...held.values()].map(toDeadLetter);
}

/**
 * Moves every message of a queue's dead-letter queue back to the queue: sends it with its body and message
 * attributes (minus the failure-* ones), then deletes it from the DLQ. At least once: a failure between the two
 * leaves a copy in both, which the idempotent consumers skip. Stops at the first failed send or delete; what
 * was not moved stays in the DLQ (visible again after holdSeconds). A dry run only peeks, up to `limit`.
 */
export async function redriveDeadLetters(
  sqs: SQSClient,
  queue: QueueSpec,
  { dryRun = false, limit = 100, onProgress }: { dryRun?: boolean; limit?: number; onProgress?: (moved: number) => void } = {},
): Promise<RedriveResult> {
  const result: RedriveResult = { deadLetterQueue: queue.deadLetterQueueName, queue: queue.name, dryRun, moved: 0, cameBack: 0, wouldMove: [], poisonReasons: {} };
  const countPoison = ({ reason }: DeadLetter) => {
    if (reason) result.poisonReasons[reason] = (result.poisonReasons[reason] ?? 0) + 1;
  };
  if (dryRun) {
    result.wouldMove = await peekDeadLetters(sqs, queue, { limit });
    result.wouldMove.forEach(countPoison);
    return result;
  }

  const [deadLetterUrl, url] = await Promise.all([queueUrl(sqs, queue.deadLetterQueueName), queueUrl(sqs, queue.name)]);
  const run = { DataType: 'String', StringValue: randomUUID() };
  // Held until the end, so that they are not received again and again; by id, the latest receipt being the valid one.
  const cameBack = new Map<string, Message>();
  try {
    for (;;) {
      const batch = await receive(sqs, deadLetterUrl, batchSize);
      if (batch.length === 0) break;
      const toMove = batch.filter((message) => message.MessageAttributes?.[redriveRunAttribute]?.StringValue !== run.StringValue);
      for (const message of batch) if (!toMove.includes(message)) cameBack.set(message.MessageId ?? '', message);
      if (toMove.length === 0) continue;

      const sent = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: toMove.map((message, index) => ({
            Id: String(index),
            MessageBody: message.Body,
            MessageAttributes: { ...withoutFailureAttributes(message.MessageAttributes), [redriveRunAttribute]: run },
          })),
        }),
      );
      const sentMessages = (sent.Successful ?? []).map(({ Id }) => toMove[Number(Id)]!);
      if (sentMessages.length > 0) {
        const deleted = await sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: deadLetterUrl, Entries: sentMessages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })) }),
        );
        throwOnFailure(deleted.Failed, `deleting from ${queue.deadLetterQueueName}`, result.moved);
      }
      result.moved += sentMessages.length;
      sentMessages.map(toDeadLetter).forEach(countPoison);
      throwOnFailure(sent.Failed, `sending to ${queue.name}`, result.moved);
      onProgress?.(result.moved);
    }
  } finally {
    await makeVisible(sqs, deadLetterUrl, [...cameBack.values()]);
  }
  result.cameBack = cameBack.size;
  return result;
}

/** findQueueUrl, with an error that names the queue: a wrong prefix is the usual cause. */
export async function queueUrl(sqs: SQSClient, name: string): Promise<string> {
  try {
    return await findQueueUrl(sqs, name);
  } catch (error) {
    if (error instanceof QueueDoesNotExist) throw new Error(`queue ${name} does not exist at this endpoint (is the topology prefix right?)`);
    throw error;
  }
}

async function receive(sqs: SQSClient, url: string, max: number): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: max,
      VisibilityTimeout: holdSeconds,
      // A short poll (0) samples only some of SQS's servers and can answer "empty" while messages remain.
      WaitTimeSeconds: 1,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
    }),
  );
  return Messages;
}

async function makeVisible(sqs: SQSClient, url: string, messages: Message[]): Promise<void> {
  for (let start = 0; start < messages.length; start += batchSize) {
    const entries = messages.slice(start, start + batchSize).map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }));
    await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries }));
  }
}

function toDeadLetter(message: Message): DeadLetter {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  const body = message.Body ?? '';
  const envelope = parseEnvelope(body);
  return {
    messageId: message.MessageId ?? '',
    body,
    eventId: envelope.id,
    type: envelope.type,
    correlationId: envelope.correlationId,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    sentAt: new Date(Number(message.Attributes?.SentTimestamp ?? 0)),
    reason: attribute(failureAttributes.reason),
    detail: attribute(failureAttributes.detail),
    sourceQueue: attribute(failureAttributes.sourceQueue),
    traceparent: attribute(traceAttribute),
  };
}

/** The envelope's identifying fields, from any JSON object: poison often breaks the schema but keeps these. */
function parseEnvelope(body: string): { id?: string; type?: string; correlationId?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const text = (key: string) => {
    const value = (parsed as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : undefined;
  };
  return { id: text('id'), type: text('type'), correlationId: text('correlationId') };
}

function withoutFailureAttributes(attributes: Record<string, MessageAttributeValue> = {}): Record<string, MessageAttributeValue> {
  const failureNames: string[] = Object.values(failureAttributes);
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => !failureNames.includes(name)));
}

function throwOnFailure(failed: { Id?: string; Code?: string; Message?: string }[] | undefined, doing: string, moved: number): void {
  const first = failed?.[0];
  if (first) throw new Error(`redrive stopped after ${moved} moved: ${doing} failed for ${failed.length} message(s): ${first.Code}: ${first.Message}`);
}
