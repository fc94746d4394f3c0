import { serviceNames } from '@bookstore/kit/platform';
import type { Unreadable } from './databases';
import { age, clock, delay, duration, oneLine, possessive, table } from './format';
import type { Delivery, Journey, JourneyEvent, OrderDeadLetter } from './journey';
import type { PaymentRecord, ReservationRecord } from './records';
import type { StuckReport } from './stuck';

/** `ops order`: the order, its events and who handled them, Catalog's and Payments' records, its dead letters, the verdict. */
export function formatJourney(journey: Journey, now: Date): string {
  const missing = (service: string) => journey.unreadable.some(({ part, service: unread }) => part === 'database' && unread === service);
  return [
    ...orderLines(journey, now),
    ...eventLines(journey),
    `Catalog's reservation: ${missing('catalog') ? 'unknown, its database could not be read' : reservation(journey.reservation)}`,
    `Payments' payment: ${missing('payments') ? 'unknown, its database could not be read' : payment(journey.payment)}`,
    ...deadLetterLines(journey),
    `Verdict (${journey.verdict.state}): ${journey.verdict.summary}`,
    ...unreadableLines(journey.unreadable),
  ].join('\n');
}

/** `ops stuck`: one line per order, its id, its age and its verdict, so that it can be grepped and pasted. */
export function formatStuck(report: StuckReport, now: Date): string {
  const olderThan = age(new Date(0), new Date(report.olderThanSeconds * 1000));
  if (report.total === 0) return [`No PENDING order was placed more than ${olderThan} ago.`, ...unreadableLines(report.unreadable)].join('\n');
  const count =
    report.total === null
      ? 'unknown'
      : report.total > report.orders.length
        ? `${report.total}, the oldest ${report.orders.length} shown`
        : `${report.total}`;
  const width = Math.max(0, ...report.orders.map(({ placedAt }) => age(placedAt, now).length));
  return [
    `PENDING orders placed more than ${olderThan} ago, oldest first: ${count}`,
    ...report.orders.map(({ orderId, placedAt, verdict }) => `${orderId}  ${age(placedAt, now).padStart(width)}  ${verdict.summary}`),
    ...(report.orders.length > 0 ? ['One order in full: npm run ops -- order <order id>'] : []),
    ...unreadableLines(report.unreadable),
  ].join('\n');
}

function orderLines({ orderId, order, trace }: Journey, now: Date): string[] {
  if (!order) return [`Order ${orderId}`];
  const why = [order.cancelReason, order.declineCode].filter(Boolean).join(', ');
  const deadline = order.deadlineAt > now ? `in ${age(now, order.deadlineAt)}` : `${age(order.deadlineAt, now)} ago`;
  const traceLines = trace
    ? [`  trace     ${trace.traceId}${trace.sampled ? '' : ' (not sampled: in the logs only)'}`, `  X-Ray     ${trace.xrayTraceId}`]
    : ['  trace     none recorded (tracing was not set up where the order was placed)'];
  const decided = order.decidedAt
    ? `${clock(order.decidedAt)}, ${duration(order.decidedAt.getTime() - order.placedAt.getTime())} after it was placed`
    : '-';
  return [
    `Order ${orderId}`,
    `  status    ${order.status}${why ? ` (${why})` : ''}`,
    `  steps     inventory ${order.inventory}, payment ${order.payment}`,
    `  placed    ${order.placedAt.toISOString().slice(0, 10)} ${clock(order.placedAt)} UTC, ${age(order.placedAt, now)} ago`,
    `  deadline  ${clock(order.deadlineAt)}, ${deadline}`,
    `  decided   ${decided}`,
    ...traceLines,
  ];
}

function eventLines({ events, deadLetters, unreadable }: Journey): string[] {
  const notRead = unreadable
    .filter(({ part }) => part === 'database')
    .map(({ service }) => `  not shown: what ${possessive(service)} outbox holds (its database could not be read)`);
  if (events.length === 0) return ['Events: none in the outboxes read', ...notRead];
  const rows = table({ head: ['event', 'published', 'handled'] }, false);
  for (const event of events) {
    const published = event.publishedAt ? `${clock(event.publishedAt)}\n${delay(event.occurredAt, event.publishedAt)}` : 'not yet';
    const handled = event.deliveries.map((delivery) => handling(event, delivery, deadLetters)).join('\n');
    rows.push([`${event.type}\nby ${event.writtenBy}\nat ${clock(event.occurredAt)}`, published, handled || '(no consumer)']);
  }
  return ['Events (UTC; +: after the event occurred)', rows.toString(), ...notRead];
}

const consumerWidth = Math.max(...serviceNames.map((service) => service.length));

function handling(event: JourneyEvent, { consumer, handledAt }: Delivery, deadLetters: OrderDeadLetter[]): string {
  const who = consumer.padEnd(consumerWidth);
  if (handledAt === 'unknown') return `${who} unknown`;
  if (handledAt) return `${who} ${clock(handledAt)} ${delay(event.occurredAt, handledAt)}`;
  return deadLetters.some(({ eventId, consumer: deadFor }) => eventId === event.id && deadFor === consumer)
    ? `${who} dead-lettered`
    : `${who} not yet`;
}

function reservation(record: ReservationRecord | null): string {
  if (!record) return 'none';
  return `${record.status} (${record.lines.length} line(s)), updated ${clock(record.updatedAt)}`;
}

function payment(record: PaymentRecord | null): string {
  if (!record) return 'none';
  const money = (cents: number) => `${(cents / 100).toFixed(2)} ${record.currency}`;
  const parts = [
    `${record.status}${record.declineCode ? ` (${record.declineCode})` : ''}, ${money(record.amountCents)}`,
    ...(record.settledAt ? [`settled ${clock(record.settledAt)}`] : []),
    ...record.refunds.map(({ amountCents, at }) => `refunded ${money(amountCents)} at ${clock(at)}`),
  ];
  return parts.join(', ');
}

function deadLetterLines({ deadLetters: letters, unreadable }: Journey): string[] {
  const someUnread = unreadable.some(({ part }) => part === 'dead-letter queue');
  if (letters.length === 0) return [someUnread ? 'Dead letters: none in the queues read' : 'Dead letters: none'];
  return [
    'Dead letters:',
    ...letters.flatMap((letter) => [
      `  ${letter.deadLetterQueue}, since ${clock(letter.sentAt)}: ${letter.type ?? '?'} ${letter.eventId ?? letter.messageId}`,
      `    ${letter.reason ? `${letter.reason}: ${oneLine(letter.detail ?? '')}` : 'no failure-reason: moved there by the redrive policy after failed receives'}`,
    ]),
  ];
}

function unreadableLines(unreadable: Unreadable[]): string[] {
  return unreadable.map(({ part, service, location, error }) =>
    part === 'database' ? `! ${service} database (${location}): ${error}` : `! ${location}: ${error}`,
  );
}
