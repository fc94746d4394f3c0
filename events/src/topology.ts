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
    queues.push({ consumer, name, deadLetterQueueName: `${name}-dlq`, maxReceiveCount, visibilityTimeoutSeconds, receiveWaitTimeSeconds });
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
