import { contracts, type EventType, type Producer } from './contracts';

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
} as const satisfies Record<string, { consumes: readonly EventType[] }>;

export type Consumer = keyof typeof consumers;
export type ConsumedBy<C extends Consumer> = (typeof consumers)[C]['consumes'][number];

export type { Producer };
export const producers: readonly Producer[] = ['catalog', 'orders', 'payments'];

/** After this many failed receives SQS moves a message to the queue's dead-letter queue. */
export const maxReceiveCount = 5;
/** Seconds a received message stays hidden from other consumers; the consumer extends it while it works. */
export const visibilityTimeoutSeconds = 30;
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
  const topicName = (producer: Producer) => `${prefix}${producer}-events`;
  const topics = producers.map((producer) => ({ producer, name: topicName(producer) }));
  const queues: QueueSpec[] = [];
  const subscriptions: SubscriptionSpec[] = [];

  for (const [consumer, { consumes }] of Object.entries(consumers) as [Consumer, { consumes: readonly EventType[] }][]) {
    const name = `${prefix}${consumer}-queue`;
    queues.push({ consumer, name, deadLetterQueueName: `${name}-dlq`, maxReceiveCount, visibilityTimeoutSeconds });
    for (const producer of producers) {
      const types = consumes.filter((type) => contracts[type].producer === producer);
      if (types.length > 0) {
        subscriptions.push({ topic: topicName(producer), queue: name, rawMessageDelivery: true, filterPolicy: { [typeAttribute]: types } });
      }
    }
  }
  return { topics, queues, subscriptions };
}

export function topicOf(type: EventType, prefix = ''): string {
  return `${prefix}${contracts[type].producer}-events`;
}
