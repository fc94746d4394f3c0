import { contracts, type EventType, type Producer } from './contracts';
import { serviceNames, type ServiceName } from './services';

/**
 * The messaging topology, as data. Provisioning (local emulator, LocalStack, Pulumi) reads only this.
 * One topic per producing service; one queue per consuming service, subscribed to exactly the event
 * types listed under `consumes`. Adding a consumer of an event is one entry in a `consumes` list.
 */
export const consumers = {
  catalog: { consumes: ['OrderPlaced', 'OrderCancelled'] },
  orders: {
    consumes: ['BookUpserted', 'InventoryReserved', 'InventoryRejected', 'InventoryReleased', 'PaymentSettled', 'PaymentDeclined', 'PaymentRefunded'],
  },
  payments: { consumes: ['OrderPlaced', 'OrderCancelled'] },
} as const satisfies Record<ServiceName, { consumes: readonly EventType[] }>;

export type Consumer = keyof typeof consumers;
export type ConsumedBy<C extends Consumer> = (typeof consumers)[C]['consumes'][number];

export type { Producer };

/** After this many failed receives SQS moves a message to the queue's dead-letter queue. */
export const maxReceiveCount = 5;
/** Seconds a received message stays hidden from other consumers; the consumer extends it while it works. */
export const visibilityTimeoutSeconds = 30;
/**
 * SQS long-poll wait: the queue's ReceiveMessageWaitTimeSeconds and the consumer's default (SQS_WAIT_TIME_SECONDS
 * overrides it per process). The longest SQS allows, so an idle worker makes the fewest empty receives; a graceful
 * stop cancels the poll in flight, so it costs no stopping time.
 */
export const receiveWaitTimeSeconds = 20;
/**
 * How long a queue keeps a message it has not deleted: SQS's default, 4 days (the provisioner sets it; the Pulumi stack
 * leaves the queue at that default).
 */
export const messageRetentionSeconds = 4 * 24 * 3600;
/**
 * How long a dead-letter queue keeps a message, for someone to look at it and redrive it: the most SQS allows, 14
 * days. In a standard queue a message's expiry counts from its first enqueue, also in the dead-letter queue (SQS keeps
 * the enqueue timestamp when it moves a message there); at least as long as the queue's own, as AWS advises.
 */
export const deadLetterRetentionSeconds = 14 * 24 * 3600;
/**
 * The longest an event can still reach its consumer after it was first sent, which is how long the consumer's inbox
 * (processed_events) must remember it to stay idempotent. SQS redelivers it until the queue's retention runs out, or,
 * dead-lettered, keeps it until the dead-letter queue's does (counted from the same first enqueue); a redrive, by
 * `npm run ops -- dlq redrive` or SQS's own, sends it anew, with a new enqueue time, so a copy redriven on the
 * dead-letter queue's last day can come back for one more queue retention.
 */
export const longestRedeliverySeconds = deadLetterRetentionSeconds + messageRetentionSeconds;
/** SNS message attribute that filter policies match on. */
export const typeAttribute = 'type';

export interface TopicSpec {
  producer: Producer;
  name: string;
}

export interface QueueSpec {
  consumer: Consumer;
  name: string;
  deadLetterQueueName: string;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
  receiveWaitTimeSeconds: number;
  messageRetentionSeconds: number;
  deadLetterRetentionSeconds: number;
}

export interface SubscriptionSpec {
  topic: string;
  queue: string;
  /** Raw delivery: the queue receives the event JSON itself, not an SNS notification wrapping it. */
  rawMessageDelivery: true;
  filterPolicy: { [typeAttribute]: EventType[] };
}

export interface Topology {
  topics: TopicSpec[];
  queues: QueueSpec[];
  subscriptions: SubscriptionSpec[];
}

/**
 * Concrete names for one environment. `prefix` keeps environments apart on a shared endpoint
 * (for example `bookstore-prod-`, or a unique prefix per test run).
 */
export function resolveTopology(prefix = ''): Topology {
  const topics = serviceNames.map((producer) => ({ producer, name: topicOf(producer, prefix) }));
  const queues: QueueSpec[] = [];
  const subscriptions: SubscriptionSpec[] = [];

  for (const [consumer, { consumes }] of Object.entries(consumers) as [Consumer, { consumes: readonly EventType[] }][]) {
    const name = `${prefix}${consumer}-queue`;
    queues.push({
      consumer,
      name,
      deadLetterQueueName: `${name}-dlq`,
      maxReceiveCount,
      visibilityTimeoutSeconds,
      receiveWaitTimeSeconds,
      messageRetentionSeconds,
      deadLetterRetentionSeconds,
    });
    for (const producer of serviceNames) {
      const types = consumes.filter((type) => contracts[type].producer === producer);
      if (types.length > 0) {
        subscriptions.push({ topic: topicOf(producer, prefix), queue: name, rawMessageDelivery: true, filterPolicy: { [typeAttribute]: types } });
      }
    }
  }
  return { topics, queues, subscriptions };
}

/** The topic a service publishes on. */
export function topicOf(producer: Producer, prefix = ''): string {
  return `${prefix}${producer}-events`;
}

/** The topic an event type is published on: its producer's. */
export function topicOfEvent(type: EventType, prefix = ''): string {
  return topicOf(contracts[type].producer, prefix);
}
