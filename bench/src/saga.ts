import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { serviceNames, services, type ServiceName } from '@bookstore/kit';
import { query, distribution, round, type Distribution } from '@bookstore/kit/testing';
import { perSecond } from './stats';

export interface SagaShop {
  serviceUrls: Record<ServiceName, string>;
  databaseUrls: Record<ServiceName, string>;
  /** The file each service's worker writes its JSON log lines to (one file may hold several services' lines). */
  workerLogs: Record<ServiceName, string>;
  /** Books with stock to last the whole run, and a card that is always approved. */
  bookIds: string[];
  paymentMethodId: string;
}

export interface SagaRun {
  offeredPerSecond: number;
  durationSeconds: number;
  accepted: number;
  confirmed: number;
  /** Orders not CONFIRMED when the run stopped waiting: the system fell behind the offered rate. */
  undecided: number;
  /** Confirmed orders per second, from the first order placed to the last one confirmed. */
  confirmedPerSecond: number;
  /** From the order's commit to its OrderConfirmed step, both as Orders recorded them. */
  latencyMs: Distribution;
  /** How long POST /api/orders took to answer, seen by the client. */
  placeMs: Distribution;
  /** From an event's commit to its publication, per producing service. */
  outboxLagMs: Record<ServiceName, Distribution>;
  /** How long each worker's handler took per event (its own `event handled` log lines). */
  handlingMs: Record<ServiceName, Distribution>;
  /** Events each order caused, and deliveries to handlers (an SNS fan-out counts once per queue). */
  eventsPerOrder: number;
  deliveriesPerOrder: number;
}

/** How long a run waits after its last order for the stragglers before counting them as undecided. */
const drainTimeoutMs = 30_000;

/**
 * Places orders at a fixed rate for a while (open loop: a slow answer does not slow the arrivals, as with real
 * shoppers) and reads back from the services' own records how long each took to be confirmed.
 */
export async function runSaga(shop: SagaShop, offeredPerSecond: number, durationSeconds: number): Promise<SagaRun> {
  const startedAt = new Date();
  const accepted: string[] = [];
  const placeTimes: number[] = [];
  const placing: Promise<void>[] = [];
  let index = 0;
  const total = Math.round(offeredPerSecond * durationSeconds);
  const firstAt = performance.now();
  while (index < total) {
    const due = firstAt + (index * 1000) / offeredPerSecond;
    if (due > performance.now()) await sleep(due - performance.now());
    const bookId = shop.bookIds[index % shop.bookIds.length]!;
    index += 1;
    placing.push(
      placeOrder(shop, bookId).then(({ orderId, ms }) => {
        accepted.push(orderId);
        placeTimes.push(ms);
      }),
    );
  }
  await Promise.all(placing);
  await waitForDecisions(shop.databaseUrls.orders, accepted);
  const stoppedAt = new Date();

  const decided = await query<{ ms: number; created: Date; confirmed: Date }>(
    shop.databaseUrls.orders,
    `SELECT extract(epoch FROM t.at - o.created_at) * 1000 AS ms, o.created_at AS created, t.at AS confirmed
     FROM orders o JOIN order_timeline t ON t.order_id = o.id AND t.type = 'OrderConfirmed' WHERE o.id = ANY($1::uuid[])`,
    [accepted],
  );
  const first = Math.min(...decided.map(({ created }) => created.getTime()));
  const last = Math.max(...decided.map(({ confirmed }) => confirmed.getTime()));
  const window = [startedAt, stoppedAt];
  const outboxLagMs = {} as Record<ServiceName, Distribution>;
  const handlingMs = {} as Record<ServiceName, Distribution>;
  let events = 0;
  let deliveries = 0;
  for (const name of serviceNames) {
    const lags = await query<{ ms: number }>(
      shop.databaseUrls[name],
      `SELECT extract(epoch FROM published_at - created_at) * 1000 AS ms FROM outbox_events
       WHERE created_at BETWEEN $1 AND $2 AND published_at IS NOT NULL AND type <> 'BookUpserted'`,
      window,
    );
    outboxLagMs[name] = distribution(lags.map(({ ms }) => Number(ms)));
    events += lags.length;
    const handled = handledEvents(shop.workerLogs[name], name, startedAt, stoppedAt);
    handlingMs[name] = distribution(handled);
    deliveries += handled.length;
  }
  return {
    offeredPerSecond,
    durationSeconds,
    accepted: accepted.length,
    confirmed: decided.length,
    undecided: accepted.length - decided.length,
    confirmedPerSecond: perSecond(decided.length, last - first),
    latencyMs: distribution(decided.map(({ ms }) => Number(ms))),
    placeMs: distribution(placeTimes),
    outboxLagMs,
    handlingMs,
    eventsPerOrder: round(events / accepted.length, 2),
    deliveriesPerOrder: round(deliveries / accepted.length, 2),
  };
}

async function placeOrder(shop: SagaShop, bookId: string): Promise<{ orderId: string; ms: number }> {
  const began = performance.now();
  const response = await fetch(`${shop.serviceUrls.orders}${services.orders.pathPrefix}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ customer: { email: 'bench@example.com', name: 'Bench Mark' }, items: [{ bookId, quantity: 1 }], paymentMethodId: shop.paymentMethodId }),
  });
  const body = await response.text();
  if (response.status !== 202) throw new Error(`placing an order answered ${response.status}: ${body}`);
  return { orderId: (JSON.parse(body) as { orderId: string }).orderId, ms: performance.now() - began };
}

async function waitForDecisions(ordersDatabaseUrl: string, orderIds: string[]): Promise<void> {
  const deadline = Date.now() + drainTimeoutMs;
  while (Date.now() < deadline) {
    const [{ pending }] = (await query<{ pending: number }>(ordersDatabaseUrl, `SELECT count(*)::int AS pending FROM orders WHERE status = 'PENDING' AND id = ANY($1::uuid[])`, [
      orderIds,
    ])) as [{ pending: number }];
    if (pending === 0) return;
    await sleep(200);
  }
}

/** Handler durations a service's worker logged between two instants. */
function handledEvents(logFile: string, service: ServiceName, from: Date, to: Date): number[] {
  const durations: number[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('"msg":"event handled"')) continue;
    // The last `name` wins in JSON.parse: a child logger's, when the service runs inside the one-process stack.
    const { name, time, durationMs } = JSON.parse(line) as { name: string; time: number; durationMs: number };
    if (name === service && time >= from.getTime() && time <= to.getTime()) durations.push(durationMs);
  }
  return durations;
}
