import { WorkInFlightError } from '@bookstore/kit';
import { query, useServiceDatabase } from '@bookstore/kit/testing';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { migrationsDir } from '..';
import { createPaymentsDb } from '../infrastructure/database';
import { simulatedProvider } from '../infrastructure/simulated-provider';
import { chargeOrder, refundOrder } from './payments';
import { addTestCard as card, orderCancelled as cancelled, orderPlaced as placed } from './payments.fixtures';
import type { PaymentProvider } from './provider';

/**
 * What the handlers' few statements must keep of the guarantees under concurrency: one order's OrderPlaced and
 * OrderCancelled, however they interleave, charge at most once and refund exactly what was charged; a duplicate
 * delivered at the same time is handled once. payments.test.ts covers them one at a time.
 */
const database = useServiceDatabase('payments', migrationsDir, createPaymentsDb, { poolSize: 12 });

/**
 * The simulated provider, slowed down so that the other handler of the order arrives while it answers, telling
 * `charging(orderId)` when a charge has begun. What it charged and refunded is read from its own records.
 */
function slowProvider() {
  const chargeBegun = new Map<string, () => void>();
  const charging = (orderId: string) => new Promise<void>((resolve) => chargeBegun.set(orderId, resolve));
  const simulated = simulatedProvider(database.pool, { latencyMs: 5 });
  const provider: PaymentProvider = {
    ...simulated,
    charge: async (method, amountCents, orderId) => {
      chargeBegun.get(orderId)?.();
      return simulated.charge(method, amountCents, orderId);
    },
  };
  return { provider, charging };
}

/** What the provider recorded for an order: charges under its id, refunds under its refund key. */
const atProvider = async (orderId: string) =>
  (await query<{ charges: number; refunds: number }>(
    database.url,
    `SELECT (SELECT count(*) FROM simulated_provider_charges WHERE idempotency_key = $1)::int AS charges,
            (SELECT count(*) FROM simulated_provider_refunds WHERE idempotency_key LIKE $1 || ':%')::int AS refunds`,
    [orderId],
  ))[0]!;

/** Handles an event as the consumer would: again, shortly, while it waits for work in flight. */
async function asTheConsumerWould(handle: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      return await handle();
    } catch (error) {
      if (!(error instanceof WorkInFlightError)) throw error;
      await sleep(2);
    }
  }
}

const emitted = async (orderId: string) =>
  (await query<{ type: string }>(database.url, `SELECT type FROM outbox_events WHERE payload->>'correlationId' = $1 ORDER BY type`, [orderId])).map(({ type }) => type);
const paymentOf = async (orderId: string) =>
  (await query<{ status: string; refunds: number }>(
    database.url,
    'SELECT status::text, (SELECT count(*) FROM refunds WHERE refunds.order_id = payments.order_id)::int AS refunds FROM payments WHERE order_id = $1',
    [orderId],
  ))[0];

describe('payments under concurrency', () => {
  it('handles OrderPlaced and OrderCancelled of one order one after the other, whichever runs first: charged at most once, refunded exactly when charged', async () => {
    const { provider, charging } = slowProvider();
    const paymentMethodId = await card(database.db);
    const orders = Array.from({ length: 16 }, () => randomUUID());
    const cancel = (orderId: string) => asTheConsumerWould(() => refundOrder(database.db, provider, cancelled(orderId)));
    // Even orders: the cancellation arrives while the provider is charging, so it must wait and then refund.
    // Odd orders: both start together, cancellation first; either may come first, and the outcome must be consistent.
    const chargedFirst = orders.filter((_, order) => order % 2 === 0);
    await Promise.all(orders.map(async (orderId, order) => {
      if (order % 2 === 0) {
        const begun = charging(orderId);
        const charge = chargeOrder(database.db, provider, placed(orderId, paymentMethodId));
        await begun;
        await Promise.all([charge, cancel(orderId)]);
      } else {
        await Promise.all([cancel(orderId), chargeOrder(database.db, provider, placed(orderId, paymentMethodId))]);
      }
    }));

    for (const orderId of orders) {
      const { charges, refunds } = await atProvider(orderId);
      expect(charges).toBeLessThanOrEqual(1);
      expect(refunds).toBe(charges);
      expect(await paymentOf(orderId)).toEqual(charges ? { status: 'REFUNDED', refunds: 1 } : { status: 'VOIDED', refunds: 0 });
      expect(await emitted(orderId)).toEqual(charges ? ['PaymentRefunded', 'PaymentSettled'] : []);
    }
    for (const orderId of chargedFirst) expect((await atProvider(orderId)).charges).toBe(1);
  });

  it('handles a duplicate delivered at the same time once, for OrderPlaced and for OrderCancelled', async () => {
    const { provider } = slowProvider();
    const orderId = randomUUID();
    const placing = placed(orderId, await card(database.db));
    await Promise.all([chargeOrder(database.db, provider, placing), chargeOrder(database.db, provider, placing), chargeOrder(database.db, provider, placing)]);
    expect(await atProvider(orderId)).toEqual({ charges: 1, refunds: 0 });
    expect(await paymentOf(orderId)).toEqual({ status: 'SETTLED', refunds: 0 });
    expect(await emitted(orderId)).toEqual(['PaymentSettled']);

    const cancelling = cancelled(orderId);
    await Promise.all([refundOrder(database.db, provider, cancelling), refundOrder(database.db, provider, cancelling), refundOrder(database.db, provider, cancelling)]);
    expect(await atProvider(orderId)).toEqual({ charges: 1, refunds: 1 });
    expect(await paymentOf(orderId)).toEqual({ status: 'REFUNDED', refunds: 1 });
    expect(await emitted(orderId)).toEqual(['PaymentRefunded', 'PaymentSettled']);
    expect(await query(database.url, 'SELECT 1 FROM processed_events WHERE event_id = ANY($1::uuid[])', [[placing.id, cancelling.id]])).toHaveLength(2);
  });
});
