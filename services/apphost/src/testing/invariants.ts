import type { ServiceName } from '@bookstore/kit';
import { query as read } from '@bookstore/kit/testing';

export interface InvariantResult {
  name: string;
  ok: boolean;
  /** What was found: the figures when it holds, the first offenders when it does not. */
  detail: string;
}

export interface InvariantInput {
  databaseUrls: Record<ServiceName, string>;
  /** Stock of each book before the orders; books not listed are not checked for conservation. */
  initialStock: Map<string, number>;
  /** The orders to check (all of them when omitted). */
  orderIds?: string[];
}

/**
 * What must hold once the system has settled, however often events were duplicated, delayed or reordered
 * and whatever crashed on the way: read from the three services' own databases.
 */
export async function checkInvariants({ databaseUrls, initialStock, orderIds }: InvariantInput): Promise<InvariantResult[]> {
  const scope = orderIds ? 'WHERE o.id = ANY($1::uuid[])' : '';
  const values = orderIds ? [orderIds] : [];
  const orders = await read<{ id: string; status: string; total_cents: number }>(databaseUrls.orders, `SELECT o.id::text, o.status::text, o.total_cents FROM orders o ${scope}`, values);
  const sold = await read<{ book_id: string; quantity: number }>(
    databaseUrls.orders,
    `SELECT l.book_id::text, sum(l.quantity)::int AS quantity FROM order_lines l JOIN orders o ON o.id = l.order_id
     ${scope ? `${scope} AND` : 'WHERE'} o.status = 'CONFIRMED' GROUP BY 1`,
    values,
  );
  const decisions = await read<{ order_id: string; count: number }>(
    databaseUrls.orders,
    `SELECT payload->>'correlationId' AS order_id, count(*)::int AS count FROM outbox_events
     WHERE type IN ('OrderConfirmed', 'OrderCancelled') GROUP BY 1`,
  );
  const stock = await read<{ id: string; stock: number }>(databaseUrls.catalog, 'SELECT id::text, stock FROM books');
  const payments = await read<{ order_id: string; status: string; amount_cents: number; refunded_cents: number; refunds: number }>(
    databaseUrls.payments,
    `SELECT p.order_id::text, p.status::text, p.amount_cents,
            coalesce(sum(r.amount_cents), 0)::int AS refunded_cents, count(r.id)::int AS refunds
     FROM payments p LEFT JOIN refunds r ON r.order_id = p.order_id GROUP BY p.order_id`,
  );
  // What the card provider itself holds for each order (the simulated provider's own records, keyed by order id):
  // a charge Payments never recorded (its worker died in between) would show here and nowhere else.
  const heldByProvider = await read<{ order_id: string; held_cents: number }>(
    databaseUrls.payments,
    `SELECT c.idempotency_key AS order_id, (c.amount_cents - coalesce(sum(r.amount_cents), 0))::int AS held_cents
     FROM simulated_provider_charges c
     LEFT JOIN payments p ON p.order_id::text = c.idempotency_key
     LEFT JOIN simulated_provider_refunds r ON r.payment_id = p.id
     WHERE c.outcome = 'approve' GROUP BY c.idempotency_key, c.amount_cents`,
  );

  const paymentOf = new Map(payments.map((payment) => [payment.order_id, payment]));
  const heldOf = new Map(heldByProvider.map(({ order_id, held_cents }) => [order_id, held_cents]));
  const decisionsOf = new Map(decisions.map(({ order_id, count }) => [order_id, count]));
  const confirmed = orders.filter(({ status }) => status === 'CONFIRMED');
  const soldOf = new Map(sold.map(({ book_id, quantity }) => [book_id, quantity]));
  const stockOf = new Map(stock.map(({ id, stock }) => [id, stock]));
  const sum = (numbers: number[]) => numbers.reduce((total, value) => total + value, 0);

  const pending = orders.filter(({ status }) => status === 'PENDING');
  const negative = stock.filter(({ stock }) => stock < 0);
  const unbalancedBooks = [...initialStock].filter(([id, initial]) => initial !== (stockOf.get(id) ?? NaN) + (soldOf.get(id) ?? 0));
  const orderIdsInScope = new Set(orders.map(({ id }) => id));
  const charged = payments.filter(({ order_id, status }) => orderIdsInScope.has(order_id) && (status === 'SETTLED' || status === 'REFUNDED'));
  const settledCents = sum(charged.map(({ amount_cents }) => amount_cents));
  const refundedCents = sum(charged.map(({ refunded_cents }) => refunded_cents));
  const confirmedCents = sum(confirmed.map(({ total_cents }) => total_cents));
  const wronglyCharged = orders.filter((order) => {
    const payment = paymentOf.get(order.id);
    if (order.status === 'CONFIRMED') return payment?.status !== 'SETTLED' || payment.amount_cents !== order.total_cents || payment.refunds !== 0;
    return payment?.status === 'SETTLED' || (payment?.refunds ?? 0) > 1;
  });
  const undecided = orders.filter(({ id, status }) => status !== 'PENDING' && decisionsOf.get(id) !== 1);
  const heldWrongly = orders.filter(({ id, status, total_cents }) => (heldOf.get(id) ?? 0) !== (status === 'CONFIRMED' ? total_cents : 0));

  return [
    check('every order is CONFIRMED or CANCELLED', pending.length === 0, `${orders.length} orders, ${confirmed.length} confirmed, ${pending.length} pending`, pending.map(({ id }) => id)),
    check('no stock count below zero', negative.length === 0, `${stock.length} books`, negative.map(({ id, stock }) => `${id}: ${stock}`)),
    check(
      'stock conserved (initial = current + sold to confirmed orders)',
      unbalancedBooks.length === 0,
      `${initialStock.size} books, ${sum([...soldOf.values()])} copies sold`,
      unbalancedBooks.map(([id, initial]) => `${id}: initial ${initial}, now ${stockOf.get(id)}, sold ${soldOf.get(id) ?? 0}`),
    ),
    check(
      'money conserved (settled - refunded = total of confirmed orders)',
      settledCents - refundedCents === confirmedCents,
      `settled ${settledCents}, refunded ${refundedCents}, confirmed ${confirmedCents} (cents)`,
      [`settled - refunded = ${settledCents - refundedCents}, confirmed = ${confirmedCents}`],
    ),
    check(
      'each order charged at most once, and only a confirmed one kept',
      wronglyCharged.length === 0,
      `${charged.length} charged`,
      wronglyCharged.map(({ id, status }) => `${id} (${status}): ${JSON.stringify(paymentOf.get(id) ?? 'no payment')}`),
    ),
    check(
      "the card provider holds exactly the confirmed orders' money (charged once, every cancelled charge refunded)",
      heldWrongly.length === 0,
      `${heldByProvider.length} charges held at the provider`,
      heldWrongly.map(({ id, status }) => `${id} (${status}): provider holds ${heldOf.get(id) ?? 0} cents`),
    ),
    check('each order decided exactly once (one OrderConfirmed or OrderCancelled)', undecided.length === 0, `${orders.length - pending.length} decisions`, undecided.map(({ id }) => `${id}: ${decisionsOf.get(id) ?? 0}`)),
  ];
}

function check(name: string, ok: boolean, figures: string, offenders: string[]): InvariantResult {
  const shown = offenders.slice(0, 5).join('; ');
  return { name, ok, detail: ok ? figures : `${figures}; ${offenders.length} offending: ${shown}${offenders.length > 5 ? '; ...' : ''}` };
}
