import { GetQueueAttributesCommand, type QueueAttributeName, type SQSClient } from '@aws-sdk/client-sqs';
import type { Consumer, QueueSpec, Topology } from '@bookstore/events';
import { peekDeadLetters, queueUrl } from './dead-letters';

export interface QueueStatus {
  consumer: Consumer;
  queue: string;
  deadLetterQueue: string;
  /** ApproximateNumberOfMessages: waiting to be received. */
  visible: number;
  /** ApproximateNumberOfMessagesNotVisible: received, being handled or waiting for a retry. */
  inFlight: number;
  /** ApproximateNumberOfMessagesDelayed. */
  delayed: number;
  /** Everything in the dead-letter queue, visible or not. */
  deadLetters: number;
  /**
   * When the oldest dead letter among the first `deadLettersSampled` was sent; undefined when the DLQ is empty.
   * SQS gives no message ages (CloudWatch's ApproximateAgeOfOldestMessage does), so the DLQ is peeked for it.
   */
  oldestDeadLetterSentAt?: Date;
  /** How many dead letters were peeked for the age: fewer than `deadLetters` means the oldest may be older still. */
  deadLettersSampled: number;
}

/** At most this many dead letters per DLQ are peeked for the age of the oldest. */
const ageSample = 100;

const counts: QueueAttributeName[] = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'];

/**
 * Depths of every queue of the topology and of its dead-letter queue. Only reads the queues; a non-empty DLQ
 * is peeked (its messages hidden for a moment, then visible again) for the age of its oldest message.
 */
export function queueReport(sqs: SQSClient, topology: Topology): Promise<QueueStatus[]> {
  return Promise.all(topology.queues.map((queue) => queueStatus(sqs, queue)));
}

async function queueStatus(sqs: SQSClient, queue: QueueSpec): Promise<QueueStatus> {
  const [main, dead] = await Promise.all([depths(sqs, queue.name), depths(sqs, queue.deadLetterQueueName)]);
  const deadLetters = dead.visible + dead.inFlight + dead.delayed;
  const sample = deadLetters > 0 ? await peekDeadLetters(sqs, queue, { limit: ageSample }) : [];
  const oldest = sample.reduce<Date | undefined>((min, { sentAt }) => (min && min <= sentAt ? min : sentAt), undefined);
  return {
    consumer: queue.consumer,
    queue: queue.name,
    deadLetterQueue: queue.deadLetterQueueName,
    ...main,
    deadLetters,
    oldestDeadLetterSentAt: oldest,
    deadLettersSampled: sample.length,
  };
}

async function depths(sqs: SQSClient, name: string): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: await queueUrl(sqs, name), AttributeNames: counts }));
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}
