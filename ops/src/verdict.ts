import { maxReceiveCount } from '@bookstore/events';
import type { ServiceName } from '@bookstore/kit/platform';
import type { Unreadable } from './databases';
import { age, clock, duration, oneLine, possessive, titled } from './format';
import type { Delivery, JourneyEvent, JourneyRecords } from './journey';
import type { OrderRecord } from './records';
import { deadlineSweepGraceSeconds, placedType, sagaOwner } from './saga';

export interface Verdict {
  /**
   * decided: CONFIRMED or CANCELLED. stopped: a step of the saga that should have happened did not. waiting: nothing
   * is late, the order waits for its deadline. unknown: the records that would tell could not be read.
   */
  state: 'decided' | 'stopped' | 'waiting' | 'unknown';
  /** One line: how the order was decided, or where it stopped and where to look. */
  summary: string;
}

/**
 * Where an order's saga stands, from its records alone: how it was decided, or each step that should have happened
 * and did not. The steps follow from the events: each event must be published by its writer and handled by every
 * consumer the topology gives it (the deliveries); each consumer of OrderPlaced must answer it with an event of its
 * own, which in turn must be published and handled; Orders decides on the answers, or at the deadline.
 */
export function verdictOf(journey: JourneyRecords, now: Date): Verdict {
  const { order } = journey;
  if (!order) {
    const cannotRead = unreadable(journey, 'database', sagaOwner);
    return {
      state: 'unknown',
      summary: cannotRead ? `cannot tell: ${possessive(sagaOwner)} database could not be read` : `${titled(sagaOwner)} has no such order`,
    };
  }
  if (order.status !== 'PENDING') return { state: 'decided', summary: decision(order) };

  const stops = stopsAfterPlacing(journey, now);
  const deadline = deadlineOf(order, now);
  if (stops.length > 0) return { state: 'stopped', summary: [...stops, deadline.summary].join('; ') };
  if (deadline.missed) return { state: 'stopped', summary: deadline.summary };
  if (order.deadlineAt <= now) return { state: 'waiting', summary: deadline.summary };
  return {
    state: 'waiting',
    summary: `every answer was handled, yet ${titled(sagaOwner)} has not decided: waiting for the deadline (in ${age(now, order.deadlineAt)})`,
  };
}

function decision(order: OrderRecord): string {
  const why = [order.cancelReason, order.declineCode].filter(Boolean).join(', ');
  const how = why ? `${order.status} (${why})` : order.status;
  if (!order.decidedAt) return how;
  return `${how} at ${clock(order.decidedAt, 's')}, ${duration(order.decidedAt.getTime() - order.placedAt.getTime())} after it was placed`;
}

/** What the deadline of a pending order will do, or should have done: `missed` when the sweep is late to cancel it. */
function deadlineOf(order: OrderRecord, now: Date): { summary: string; missed: boolean } {
  if (now < order.deadlineAt) return { summary: `the deadline cancels it in ${age(now, order.deadlineAt)}`, missed: false };
  const passed = `its deadline passed ${age(order.deadlineAt, now)} ago`;
  const overdueMs = now.getTime() - order.deadlineAt.getTime();
  if (overdueMs <= deadlineSweepGraceSeconds * 1000) return { summary: `${passed}: the deadline sweep cancels it within seconds`, missed: false };
  return {
    summary: `${passed}, yet ${titled(sagaOwner)} has not cancelled it: is ${possessive(sagaOwner)} worker running? (its deadline sweep)`,
    missed: true,
  };
}

function stopsAfterPlacing(journey: JourneyRecords, now: Date): string[] {
  const placed = journey.events.find(({ type, writtenBy }) => type === placedType && writtenBy === sagaOwner);
  if (!placed) {
    return [
      unreadable(journey, 'database', sagaOwner)
        ? `cannot tell: ${possessive(sagaOwner)} outbox could not be read`
        : `${possessive(sagaOwner)} outbox has no ${placedType} for it`,
    ];
  }
  return stopsOf(placed, journey, now, true);
}

/** The steps of an event that did not happen: its publication, its handling by each consumer and, if expected, their answers'. */
function stopsOf(event: JourneyEvent, journey: JourneyRecords, now: Date, answerExpected: boolean): string[] {
  if (!event.publishedAt) {
    const writer = possessive(event.writtenBy);
    return [`${event.type} is still unpublished in ${writer} outbox (since ${clock(event.writtenAt, 's')}): ${writer} relay or SNS`];
  }
  const publishedAt = event.publishedAt;
  return event.deliveries.flatMap((delivery) => {
    const [consumer, its] = [titled(delivery.consumer), possessive(delivery.consumer)];
    if (delivery.handledAt === 'unknown') return [`cannot tell whether ${consumer} handled ${event.type}: ${its} database could not be read`];
    if (delivery.handledAt === null) return [notHandled(event, publishedAt, delivery, journey, now)];
    if (!answerExpected) return [];
    const answers = journey.events.filter(({ causationId, writtenBy }) => causationId === event.id && writtenBy === delivery.consumer);
    if (answers.length === 0) return [`${consumer} handled ${event.type} at ${clock(delivery.handledAt, 's')} but wrote no answer: see ${its} logs`];
    return answers.flatMap((answer) => stopsOf(answer, journey, now, false));
  });
}

/** Why a consumer has not handled an event, as far as the records tell: it is dead-lettered, or nobody took it. */
function notHandled(event: JourneyEvent, publishedAt: Date, delivery: Delivery, journey: JourneyRecords, now: Date): string {
  const letter = journey.deadLetters.find(({ eventId, consumer }) => eventId === event.id && consumer === delivery.consumer);
  if (letter) {
    const why = letter.reason
      ? `${letter.reason}: ${oneLine(letter.detail ?? '')}`
      : `no failure-reason: SQS moved it there after ${maxReceiveCount} failed receives (see "event handler failed" in ${possessive(delivery.consumer)} logs)`;
    return `${event.type} is in ${letter.deadLetterQueue}: ${why}`;
  }
  const where = unreadable(journey, 'dead-letter queue', delivery.consumer)
    ? `${delivery.queue}; its dead-letter queue could not be read in full`
    : delivery.queue;
  return `${titled(delivery.consumer)} has not handled ${event.type}, published ${age(publishedAt, now)} ago: is ${possessive(delivery.consumer)} worker running? (${where})`;
}

function unreadable(journey: JourneyRecords, part: Unreadable['part'], service: ServiceName): boolean {
  return journey.unreadable.some((missing) => missing.part === part && missing.service === service);
}
