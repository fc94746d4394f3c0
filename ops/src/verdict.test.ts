import { consumers, resolveTopology, type Consumer, type EventType } from '@bookstore/events';
import type { ServiceName } from '@bookstore/kit/platform';
import type { Unreadable } from './databases';
import type { JourneyEvent, JourneyRecords, OrderDeadLetter } from './journey';
import type { OrderRecord } from './records';
import { verdictOf } from './verdict';

const now = new Date('2026-11-28T12:05:00Z');
const at = (time: string) => new Date(`2026-11-28T${time}Z`);
const orderId = '8c4e7f0a-1d2b-4c3e-9f5a-6b7c8d9e0f1a';
let lastId = 0;

function order(overrides: Partial<OrderRecord> = {}): OrderRecord {
  return {
    id: orderId,
    status: 'PENDING',
    cancelReason: null,
    declineCode: null,
    inventory: 'PENDING',
    payment: 'PENDING',
    placedAt: at('12:00:00'),
    deadlineAt: at('12:06:00'),
    decidedAt: null,
    ...overrides,
  };
}

/**
 * An event as the journey reader builds it: its deliveries are the topology's consumers of its type, each handled
 * at the time given for it, or not (null), or unknown.
 */
function event(
  type: EventType,
  writtenBy: ServiceName,
  {
    occurredAt = at('12:00:00'),
    publishedAt = occurredAt,
    causedBy,
    handled = {},
  }: {
    occurredAt?: Date;
    publishedAt?: Date | null;
    causedBy?: JourneyEvent;
    handled?: Partial<Record<Consumer, Date | 'unknown'>>;
  } = {},
): JourneyEvent {
  const queues = resolveTopology().queues.filter(({ consumer }) => (consumers[consumer].consumes as readonly string[]).includes(type));
  return {
    id: `00000000-0000-4000-8000-${String(++lastId).padStart(12, '0')}`,
    type,
    writtenBy,
    occurredAt,
    causationId: causedBy?.id ?? null,
    writtenAt: occurredAt,
    publishedAt,
    traceparent: null,
    deliveries: queues.map(({ consumer, name }) => ({ consumer, queue: name, handledAt: handled[consumer] ?? null })),
  };
}

function journey(overrides: Partial<JourneyRecords> = {}): JourneyRecords {
  return { orderId, order: order(), trace: null, events: [], reservation: null, payment: null, deadLetters: [], unreadable: [], ...overrides };
}

/** OrderPlaced, handled by Catalog, whose InventoryReserved Orders handled: the stock side of the saga done. */
function placedAndReserved(paymentsHandled?: Date | 'unknown'): JourneyEvent[] {
  const placed = event('OrderPlaced', 'orders', { handled: { catalog: at('12:00:00.100'), ...(paymentsHandled && { payments: paymentsHandled }) } });
  const reserved = event('InventoryReserved', 'catalog', {
    occurredAt: at('12:00:00.100'),
    causedBy: placed,
    handled: { orders: at('12:00:00.200') },
  });
  return [placed, reserved];
}

function deadLetter(event: JourneyEvent, consumer: Consumer, failure: { reason?: string; detail?: string } = {}): OrderDeadLetter {
  return {
    messageId: 'm-1',
    body: '{}',
    eventId: event.id,
    type: event.type,
    correlationId: orderId,
    receiveCount: 6,
    sentAt: at('12:00:01'),
    ...failure,
    consumer,
    deadLetterQueue: `${consumer}-queue-dlq`,
  };
}

const unreadable = (part: Unreadable['part'], service: ServiceName): Unreadable => ({
  part,
  service,
  location: 'somewhere',
  error: 'connect ECONNREFUSED',
});

describe('verdictOf', () => {
  it('says how a decided order was decided, and how long it took', () => {
    const confirmed = order({ status: 'CONFIRMED', inventory: 'RESERVED', payment: 'SETTLED', decidedAt: at('12:00:01.200') });
    expect(verdictOf(journey({ order: confirmed }), now)).toEqual({ state: 'decided', summary: 'CONFIRMED at 12:00:01, 1.2s after it was placed' });
    const declined = order({ status: 'CANCELLED', cancelReason: 'payment_declined', declineCode: 'card_declined', decidedAt: at('12:00:00.450') });
    expect(verdictOf(journey({ order: declined }), now).summary).toBe(
      'CANCELLED (payment_declined, card_declined) at 12:00:00, 450ms after it was placed',
    );
  });

  it("names an OrderPlaced still in Orders' outbox", () => {
    const placed = event('OrderPlaced', 'orders', { occurredAt: at('12:01:03'), publishedAt: null });
    expect(verdictOf(journey({ events: [placed] }), now)).toEqual({
      state: 'stopped',
      summary: "OrderPlaced is still unpublished in Orders' outbox (since 12:01:03): Orders' relay or SNS; the deadline cancels it in 1m 00s",
    });
  });

  it('names the consumer that has not handled OrderPlaced, and its queue', () => {
    expect(verdictOf(journey({ events: placedAndReserved() }), now)).toEqual({
      state: 'stopped',
      summary:
        "Payments has not handled OrderPlaced, published 5m 00s ago: is Payments' worker running? (payments-queue); the deadline cancels it in 1m 00s",
    });
  });

  it('names every consumer that has not handled it', () => {
    const placed = event('OrderPlaced', 'orders');
    expect(verdictOf(journey({ events: [placed] }), now).summary).toBe(
      "Catalog has not handled OrderPlaced, published 5m 00s ago: is Catalog's worker running? (catalog-queue); " +
        "Payments has not handled OrderPlaced, published 5m 00s ago: is Payments' worker running? (payments-queue); the deadline cancels it in 1m 00s",
    );
  });

  it('names the dead-letter queue and why the event is in it', () => {
    const events = placedAndReserved();
    const poison = deadLetter(events[0]!, 'payments', { reason: 'schema_violation', detail: 'OrderPlaced: ✖ Invalid input\n  → at data.totalCents' });
    expect(verdictOf(journey({ events, deadLetters: [poison] }), now).summary).toBe(
      'OrderPlaced is in payments-queue-dlq: schema_violation: OrderPlaced: ✖ Invalid input → at data.totalCents; the deadline cancels it in 1m 00s',
    );
    const failedTooOften = deadLetter(events[0]!, 'payments');
    expect(verdictOf(journey({ events, deadLetters: [failedTooOften] }), now).summary).toBe(
      'OrderPlaced is in payments-queue-dlq: no failure-reason: SQS moved it there after 5 failed receives (see "event handler failed" in Payments\' logs); ' +
        'the deadline cancels it in 1m 00s',
    );
  });

  it("follows an answer: unpublished in its writer's outbox, or not handled by Orders", () => {
    const [placed, reserved] = placedAndReserved(at('12:00:00.300'));
    const settled = event('PaymentSettled', 'payments', { occurredAt: at('12:00:00.300'), publishedAt: null, causedBy: placed });
    expect(verdictOf(journey({ events: [placed!, reserved!, settled] }), now).summary).toBe(
      "PaymentSettled is still unpublished in Payments' outbox (since 12:00:00): Payments' relay or SNS; the deadline cancels it in 1m 00s",
    );
    const published = { ...settled, publishedAt: at('12:00:00.400') };
    expect(verdictOf(journey({ events: [placed!, reserved!, published] }), now).summary).toBe(
      "Orders has not handled PaymentSettled, published 4m 59s ago: is Orders' worker running? (orders-queue); the deadline cancels it in 1m 00s",
    );
  });

  it('says so when a consumer handled OrderPlaced and answered nothing', () => {
    const [placed, reserved] = placedAndReserved(at('12:00:00.300'));
    expect(verdictOf(journey({ events: [placed!, reserved!] }), now).summary).toBe(
      "Payments handled OrderPlaced at 12:00:00 but wrote no answer: see Payments' logs; the deadline cancels it in 1m 00s",
    );
  });

  it('cannot tell what a database or a dead-letter queue that could not be read would say', () => {
    expect(verdictOf(journey({ events: placedAndReserved('unknown'), unreadable: [unreadable('database', 'payments')] }), now).summary).toBe(
      "cannot tell whether Payments handled OrderPlaced: Payments' database could not be read; the deadline cancels it in 1m 00s",
    );
    expect(verdictOf(journey({ events: placedAndReserved(), unreadable: [unreadable('dead-letter queue', 'payments')] }), now).summary).toBe(
      "Payments has not handled OrderPlaced, published 5m 00s ago: is Payments' worker running? (payments-queue; its dead-letter queue could not be read in full); " +
        'the deadline cancels it in 1m 00s',
    );
    expect(verdictOf(journey({ order: null, unreadable: [unreadable('database', 'orders')] }), now)).toEqual({
      state: 'unknown',
      summary: "cannot tell: Orders' database could not be read",
    });
  });

  it('says when there is no such order, or no OrderPlaced for it', () => {
    expect(verdictOf(journey({ order: null }), now)).toEqual({ state: 'unknown', summary: 'Orders has no such order' });
    expect(verdictOf(journey(), now).summary).toBe("Orders' outbox has no OrderPlaced for it; the deadline cancels it in 1m 00s");
  });

  it("waits for the deadline once every answer was handled, and blames Orders' sweep when it is late", () => {
    const [placed, reserved] = placedAndReserved(at('12:00:00.300'));
    const settled = event('PaymentSettled', 'payments', {
      occurredAt: at('12:00:00.300'),
      causedBy: placed,
      handled: { orders: at('12:00:00.400') },
    });
    const answered = { events: [placed!, reserved!, settled] };
    expect(verdictOf(journey(answered), now)).toEqual({
      state: 'waiting',
      summary: 'every answer was handled, yet Orders has not decided: waiting for the deadline (in 1m 00s)',
    });
    expect(verdictOf(journey({ ...answered, order: order({ deadlineAt: at('12:04:50') }) }), now)).toEqual({
      state: 'waiting',
      summary: 'its deadline passed 10s ago: the deadline sweep cancels it within seconds',
    });
    expect(verdictOf(journey({ ...answered, order: order({ deadlineAt: at('12:04:00') }) }), now)).toEqual({
      state: 'stopped',
      summary: "its deadline passed 1m 00s ago, yet Orders has not cancelled it: is Orders' worker running? (its deadline sweep)",
    });
  });

  it('adds a missed deadline to the step that did not happen', () => {
    expect(verdictOf(journey({ events: placedAndReserved(), order: order({ deadlineAt: at('12:04:00') }) }), now).summary).toBe(
      "Payments has not handled OrderPlaced, published 5m 00s ago: is Payments' worker running? (payments-queue); " +
        "its deadline passed 1m 00s ago, yet Orders has not cancelled it: is Orders' worker running? (its deadline sweep)",
    );
  });
});
