import type { SQSClient } from '@aws-sdk/client-sqs';
import { consumers, type Consumer, type QueueSpec, type Topology } from '@bookstore/events';
import { serviceNames } from '@bookstore/kit/platform';
import type { ServiceDatabases, Unreadable } from './databases';
import { peekDeadLetters, type DeadLetter } from './dead-letters';
import { errorMessage } from './format';
import {
  readHandled,
  readOrders,
  readOutbox,
  readPayments,
  readReservations,
  type OrderRecord,
  type OutboxRecord,
  type PaymentRecord,
  type ReservationRecord,
} from './records';
import { placedType, sagaOwner } from './saga';
import { traceIdsOf, type TraceIds } from './trace-id';
import { verdictOf, type Verdict } from './verdict';

/** Where the records are: each service's database, and the dead-letter queues of the topology. */
export interface JourneySources {
  databases: ServiceDatabases;
  sqs: SQSClient;
  topology: Topology;
  /** The SQS endpoint, or AWS and its region, for what is said about a queue that cannot be read. */
  queuesAt: string;
}

/** A service that consumes an event (the topology says which) and whether it has handled it. */
export interface Delivery {
  consumer: Consumer;
  queue: string;
  /** When it recorded the event in its inbox (processed_events); null if it has not; 'unknown' if its database could not be read. */
  handledAt: Date | null | 'unknown';
}

/** An event about the order, from its producer's outbox, with its delivery to each of its consumers. */
export interface JourneyEvent extends Omit<OutboxRecord, 'orderId'> {
  deliveries: Delivery[];
}

export interface OrderDeadLetter extends DeadLetter {
  consumer: Consumer;
  deadLetterQueue: string;
}

/** Everything the services' records say about one order, and the verdict drawn from it. */
export interface Journey {
  orderId: string;
  /** Orders' row; null when there is none, or when Orders' database could not be read (see `unreadable`). */
  order: OrderRecord | null;
  /** The trace of the request that placed the order (the traceparent of its OrderPlaced); null when none was recorded. */
  trace: TraceIds | null;
  /** In the order they occurred. */
  events: JourneyEvent[];
  reservation: ReservationRecord | null;
  payment: PaymentRecord | null;
  deadLetters: OrderDeadLetter[];
  /** The parts of the records that could not be read: what the journey lacks. */
  unreadable: Unreadable[];
  verdict: Verdict;
}

/** A journey before its verdict: what the verdict is drawn from. */
export type JourneyRecords = Omit<Journey, 'verdict'>;

/**
 * At most this many dead letters are read from each dead-letter queue; a fuller one is reported as not read in full,
 * as an event of the order may be among the rest.
 */
const deadLetterLimit = 1000;

/** The journeys of the orders, in the order of `orderIds`. Reads only, each table and dead-letter queue once for all the orders. */
export async function readJourneys(sources: JourneySources, orderIds: string[], now: Date): Promise<Journey[]> {
  if (orderIds.length === 0) return [];
  const { databases } = sources;
  const [outboxes, orders = [], reservations = [], payments = [], dead] = await Promise.all([
    Promise.all(serviceNames.map((service) => databases.read(service, (client) => readOutbox(client, service, orderIds)))),
    databases.read('orders', (client) => readOrders(client, orderIds)),
    databases.read('catalog', (client) => readReservations(client, orderIds)),
    databases.read('payments', (client) => readPayments(client, orderIds)),
    deadLettersAbout(sources, orderIds),
  ]);
  const written = outboxes
    .flatMap((records) => records ?? [])
    .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.writtenAt.getTime() - b.writtenAt.getTime());
  const events = await withDeliveries(sources, written);
  const unreadable = [...databases.unreadable, ...dead.unreadable];

  return orderIds.map((orderId) => {
    const ofOrder = events.filter((event) => event.orderId === orderId).map(({ orderId: _, ...event }) => event);
    const placed = ofOrder.find(({ type, writtenBy }) => type === placedType && writtenBy === sagaOwner);
    const records: JourneyRecords = {
      orderId,
      order: orders.find(({ id }) => id === orderId) ?? null,
      trace: traceIdsOf(placed?.traceparent),
      events: ofOrder,
      reservation: reservations.find((reservation) => reservation.orderId === orderId) ?? null,
      payment: payments.find((payment) => payment.orderId === orderId) ?? null,
      deadLetters: dead.letters.filter(({ correlationId }) => correlationId === orderId),
      unreadable,
    };
    return { ...records, verdict: verdictOf(records, now) };
  });
}

/** The events, each with its consumers (the topology's) and when each handled it, from each consumer's inbox. */
async function withDeliveries(sources: JourneySources, written: OutboxRecord[]): Promise<(JourneyEvent & { orderId: string })[]> {
  const queues = sources.topology.queues;
  const consumes = (queue: QueueSpec, type: string) => (consumers[queue.consumer].consumes as readonly string[]).includes(type);
  const handledBy = new Map(
    await Promise.all(
      queues.map(async (queue) => {
        const eventIds = written.filter(({ type }) => consumes(queue, type)).map(({ id }) => id);
        return [queue.consumer, await sources.databases.read(queue.consumer, (client) => readHandled(client, eventIds))] as const;
      }),
    ),
  );
  return written.map((event) => ({
    ...event,
    deliveries: queues
      .filter((queue) => consumes(queue, event.type))
      .map(({ consumer, name }) => ({ consumer, queue: name, handledAt: handledAt(handledBy.get(consumer), event.id) })),
  }));
}

/** When an inbox (undefined: one that could not be read) recorded an event. */
function handledAt(inbox: Map<string, Date> | undefined, eventId: string): Delivery['handledAt'] {
  return inbox ? (inbox.get(eventId) ?? null) : 'unknown';
}

/** The dead letters about the orders in every dead-letter queue; peeking hides them for a moment, as `dlq peek` does. */
async function deadLettersAbout(sources: JourneySources, orderIds: string[]): Promise<{ letters: OrderDeadLetter[]; unreadable: Unreadable[] }> {
  const wanted = new Set(orderIds);
  const peeked = await Promise.all(
    sources.topology.queues.map(async (queue) => {
      const unreadable = (error: string): Unreadable => ({
        part: 'dead-letter queue',
        service: queue.consumer,
        location: `${queue.deadLetterQueueName} at ${sources.queuesAt}`,
        error,
      });
      try {
        const letters = await peekDeadLetters(sources.sqs, queue, { limit: deadLetterLimit });
        const about = letters.filter(({ correlationId }) => correlationId && wanted.has(correlationId));
        return {
          letters: about.map((letter) => ({ ...letter, consumer: queue.consumer, deadLetterQueue: queue.deadLetterQueueName })),
          unreadable: letters.length < deadLetterLimit ? [] : [unreadable(`read only its first ${deadLetterLimit} dead letters`)],
        };
      } catch (error) {
        return { letters: [], unreadable: [unreadable(errorMessage(error))] };
      }
    }),
  );
  return { letters: peeked.flatMap(({ letters }) => letters), unreadable: peeked.flatMap(({ unreadable }) => unreadable) };
}
