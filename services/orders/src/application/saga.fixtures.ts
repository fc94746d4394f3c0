import { contracts, type AnyEvent } from '@bookstore/events';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';

/**
 * What the tests of the saga's handlers build their cases from and read back. Orders are stored directly, as
 * placeOrder stores them, so these tests need no priced book.
 */

/** A PENDING order and its OrderPlaced entry, due `deadlineSeconds` from now (overdue when negative). */
export async function storedOrder(pool: pg.Pool, deadlineSeconds = 60): Promise<string> {
  const orderId = randomUUID();
  await pool.query(
    `WITH placed AS (
       INSERT INTO orders (id, customer_email, customer_name, payment_method_id, total_cents, currency, deadline_at, updated_at)
       VALUES ($1::uuid, 'ada@example.com', 'Ada', 'pm_test0000', 900, 'EUR', now() + make_interval(secs => $2), now())
     )
     INSERT INTO order_timeline (order_id, type) VALUES ($1::uuid, 'OrderPlaced')`,
    [orderId, deadlineSeconds],
  );
  return orderId;
}

const origin = (orderId: string) => ({ correlationId: orderId });
const lines = [{ bookId: randomUUID(), quantity: 1 }];

export const reserved = (orderId: string) => contracts.InventoryReserved.create({ orderId, lines }, origin(orderId));
export const rejected = (orderId: string) =>
  contracts.InventoryRejected.create({ orderId, reason: 'out_of_stock', shortLines: [{ bookId: lines[0]!.bookId, requested: 1, available: 0 }] }, origin(orderId));
export const released = (orderId: string) => contracts.InventoryReleased.create({ orderId, lines }, origin(orderId));
export const settled = (orderId: string) =>
  contracts.PaymentSettled.create({ orderId, paymentId: randomUUID(), amountCents: 900, currency: 'EUR' }, origin(orderId));
export const declined = (orderId: string) => contracts.PaymentDeclined.create({ orderId, declineCode: 'card_declined' }, origin(orderId));

/** An order's state and its timeline's types as GET /api/orders/:id lists them: by `at`, then by id. */
export async function storedState(pool: pg.Pool, orderId: string) {
  const { rows } = await pool.query<{ status: string; inventory: string; payment: string; cancelReason: string | null; timeline: string[] }>(
    `SELECT status::text, inventory::text, payment::text, cancel_reason AS "cancelReason",
       ARRAY(SELECT type FROM order_timeline WHERE order_id = orders.id ORDER BY at, id) AS timeline
     FROM orders WHERE id = $1::uuid`,
    [orderId],
  );
  return rows[0];
}

/** The decisions (OrderConfirmed, OrderCancelled) in the outbox for an order. */
export async function decisionsOf(pool: pg.Pool, orderId: string): Promise<AnyEvent[]> {
  const { rows } = await pool.query<{ payload: AnyEvent }>(
    `SELECT payload FROM outbox_events WHERE type IN ('OrderConfirmed', 'OrderCancelled') AND payload->'data'->>'orderId' = $1`,
    [orderId],
  );
  return rows.map(({ payload }) => payload);
}
