import { randomUUID } from 'node:crypto';
import { useServiceDatabase } from '@bookstore/kit/testing';
import { migrationsDir } from '@bookstore/orders';
import { createOrdersDb } from '@bookstore/orders/testing';
import { checkLiveness, measureLiveness, type Liveness } from './liveness';

const database = useServiceDatabase('orders', migrationsDir, createOrdersDb);

const faultsEndedAt = new Date('2026-11-28T10:00:00Z');
const at = (secondsFromFaultsEnd: number) => new Date(faultsEndedAt.getTime() + secondsFromFaultsEnd * 1000);

/** An order placed at `placed` and, unless `decided` is undefined, decided `decided.afterMs` later. */
async function order(placed: Date, decided?: { type: 'OrderConfirmed' | 'OrderCancelled'; afterMs: number; reason?: string }): Promise<string> {
  const orderId = randomUUID();
  await database.pool.query(
    `WITH placed AS (
       INSERT INTO orders (id, customer_email, customer_name, payment_method_id, total_cents, currency, deadline_at, status, cancel_reason, created_at, updated_at)
       VALUES ($1::uuid, 'ada@example.com', 'Ada', 'pm_test0000', 900, 'EUR', $2::timestamptz + interval '45 seconds',
         $3::"OrderStatus", $4, $2::timestamptz, $2::timestamptz)
     )
     INSERT INTO order_timeline (order_id, type, at)
     SELECT $1::uuid, step.type, step.at FROM (VALUES ('OrderPlaced', $2::timestamptz), ($5, $2::timestamptz + $6 * interval '1 millisecond')) AS step(type, at)
     WHERE step.type IS NOT NULL`,
    [
      orderId,
      placed,
      decided === undefined ? 'PENDING' : decided.type === 'OrderConfirmed' ? 'CONFIRMED' : 'CANCELLED',
      decided?.reason ?? null,
      decided?.type ?? null,
      decided?.afterMs ?? 0,
    ],
  );
  return orderId;
}

describe('measureLiveness', () => {
  it('counts the orders the deadline cancelled, and times decisions apart for orders placed during and after the faults', async () => {
    const accepted = [
      await order(at(-30), { type: 'OrderConfirmed', afterMs: 120 }),
      await order(at(-20), { type: 'OrderCancelled', afterMs: 45_000, reason: 'timeout' }),
      await order(at(-10), { type: 'OrderCancelled', afterMs: 80, reason: 'out_of_stock' }),
      await order(at(5), { type: 'OrderConfirmed', afterMs: 20 }),
      await order(at(6)), // accepted, never decided
    ];
    await order(at(-25), { type: 'OrderCancelled', afterMs: 45_000, reason: 'timeout' }); // not one of this run's

    const liveness = await measureLiveness(database.url, accepted, faultsEndedAt);

    expect(liveness).toMatchObject({ accepted: 5, timedOut: 1, timeoutShare: 0.2 });
    expect(liveness.placedToDecidedMs.duringFaults).toMatchObject({ count: 3, p50: 120, max: 45_000 });
    expect(liveness.placedToDecidedMs.afterFaults).toMatchObject({ count: 1, p50: 20 });
  });
});

describe('checkLiveness', () => {
  const liveness = (timedOut: number, accepted = 100): Liveness => ({
    accepted,
    timedOut,
    timeoutShare: timedOut / accepted,
    placedToDecidedMs: { duringFaults: { count: 0, p50: 0, p95: 0, p99: 0, max: 0 }, afterFaults: { count: 0, p50: 0, p95: 0, p99: 0, max: 0 } },
  });
  const failed = (results: ReturnType<typeof checkLiveness>) => results.filter(({ ok }) => !ok).map(({ name }) => name);

  it('fails a full run on more than 2% of orders timed out, and passes 2%', () => {
    expect(failed(checkLiveness(liveness(2), [], true))).toEqual([]);
    expect(failed(checkLiveness(liveness(3), [], true))).toEqual(['at most 2% of accepted orders cancelled by the deadline']);
  });

  it('reports a short run’s timeouts without judging them', () => {
    const results = checkLiveness(liveness(30), [], false);
    expect(failed(results)).toEqual([]);
    expect(results[1]?.detail).toBe('30 of 100 (30.0%); reported, judged on full runs only');
  });

  it('fails any run in which a process exited on its own, and names it', () => {
    const [exits] = checkLiveness(liveness(0), ['orders-worker (exit 1)'], false);
    expect(exits).toMatchObject({ ok: false, detail: 'orders-worker (exit 1)' });
  });
});
