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
 * What the handlers' few statements must keep of the guarantees under concurrency: the payment row serialises
 * OrderPlaced and OrderCancelled of one order, and the inbox a duplicate. payments.test.ts covers them one at a time.
 */
const database = useServiceDatabase('payments', migrationsDir, createPaymentsDb, { poolSize: 12 });

/**
 * The simulated provider, slowed down so that the other handler of the order arrives while it answers, counting its
 * calls per order and telling `charging(orderId)` when a charge has begun (the payment row is locked by then).
 */
function countingProvider() {
  const charges = new Map<string, number>();
  const refunds = new Map<string, number>();
  const chargeBegun = new Map<string, () => void>();
  const charging = (orderId: string) => new Promise<void>((resolve) => chargeBegun.set(orderId, resolve));
  const count = (calls: Map<string, number>, orderId: string) => calls.set(orderId, (calls.get(orderId) ?? 0) + 1);
  const provider: PaymentProvider = {
    vault: simulatedProvider.vault,
    charge: async (method, amountCents, orderId) => {
      count(charges, orderId);
      chargeBegun.get(orderId)?.();
      await sleep(5);
      return simulatedProvider.charge(method, amountCents, orderId);
    },
    refund: async (_paymentId, _amountCents, orderId) => {
      count(refunds, orderId);
      await sleep(5);
    },
  };
  return { provider, charges, refunds, charging };
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
    const { provider, charges, refunds, charging } = countingProvider();
    const paymentMethodId = await card(database.db);
    const orders = Array.from({ length: 16 }, () => randomUUID());
    // Even orders: the cancellation arrives while the charge holds the payment row, so it must wait and then refund.
    // Odd orders: both start together, cancellation first; either may win the row, and the outcome must be consistent.
    const chargedFirst = orders.filter((_, order) => order % 2 === 0);
    await Promise.all(orders.map(async (orderId, order) => {
      if (order % 2 === 0) {
        const begun = charging(orderId);
        const charge = chargeOrder(database.db, provider, placed(orderId, paymentMethodId));
        await begun;
        await Promise.all([charge, refundOrder(database.db, provider, cancelled(orderId))]);
      } else {
        await Promise.all([refundOrder(database.db, provider, cancelled(orderId)), chargeOrder(database.db, provider, placed(orderId, paymentMethodId))]);
      }
    }));

    for (const orderId of orders) {
      const charged = charges.get(orderId) ?? 0;
      expect(charged).toBeLessThanOrEqual(1);
      expect(refunds.get(orderId) ?? 0).toBe(charged);
      expect(await paymentOf(orderId)).toEqual(charged ? { status: 'REFUNDED', refunds: 1 } : { status: 'VOIDED', refunds: 0 });
      expect(await emitted(orderId)).toEqual(charged ? ['PaymentRefunded', 'PaymentSettled'] : []);
    }
    for (const orderId of chargedFirst) expect(charges.get(orderId)).toBe(1);
  });

  it('handles a duplicate delivered at the same time once, for OrderPlaced and for OrderCancelled', async () => {
    const { provider, charges, refunds } = countingProvider();
    const orderId = randomUUID();
    const placing = placed(orderId, await card(database.db));
    await Promise.all([chargeOrder(database.db, provider, placing), chargeOrder(database.db, provider, placing), chargeOrder(database.db, provider, placing)]);
    expect(charges.get(orderId)).toBe(1);
    expect(await paymentOf(orderId)).toEqual({ status: 'SETTLED', refunds: 0 });

    const cancelling = cancelled(orderId);
    await Promise.all([refundOrder(database.db, provider, cancelling), refundOrder(database.db, provider, cancelling), refundOrder(database.db, provider, cancelling)]);
    expect(refunds.get(orderId)).toBe(1);
    expect(await paymentOf(orderId)).toEqual({ status: 'REFUNDED', refunds: 1 });
    expect(await emitted(orderId)).toEqual(['PaymentRefunded', 'PaymentSettled']);
    expect(await query(database.url, 'SELECT 1 FROM processed_events WHERE event_id = ANY($1::uuid[])', [[placing.id, cancelling.id]])).toHaveLength(2);
  });
});
