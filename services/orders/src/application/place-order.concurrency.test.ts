import { query, useServiceDatabase } from '@bookstore/kit/testing';
import { randomUUID } from 'node:crypto';
import { migrationsDir } from '..';
import { createOrdersDb } from '../infrastructure/database';
import { placeOrder } from './place-order';
import { replicatedBook, testAccessTokens } from './test-support';

/**
 * What the one statement that places an order must keep of the Idempotency-Key's guarantee when requests with the
 * same key run at once: one order, with one outbox row, and every request answered with it.
 */
const database = useServiceDatabase('orders', migrationsDir, createOrdersDb, { poolSize: 12 });

/** An order of one copy of `bookId`, by a customer of its own, so what it placed can be counted. */
const order = (bookId: string, email: string) => ({ customer: { email, name: 'Ada' }, items: [{ bookId, quantity: 1 }], paymentMethodId: 'pm_test0000' });
const place = (request: ReturnType<typeof order>, idempotencyKey: string) => placeOrder(database.db, request, { idempotencyKey, deadlineSeconds: 60, accessTokens: testAccessTokens });

/** What was written for the customer's orders: the orders, their lines and timeline steps, and OrderPlaced events. */
async function writtenFor(email: string) {
  const [written] = await query<{ orders: number; lines: number; steps: number; events: number }>(
    database.url,
    `SELECT count(*)::int AS orders,
       (SELECT count(*)::int FROM order_lines WHERE order_id IN (SELECT id FROM orders WHERE customer_email = $1)) AS lines,
       (SELECT count(*)::int FROM order_timeline WHERE order_id IN (SELECT id FROM orders WHERE customer_email = $1)) AS steps,
       (SELECT count(*)::int FROM outbox_events WHERE type = 'OrderPlaced' AND payload->'data'->>'orderId' IN (SELECT id::text FROM orders WHERE customer_email = $1)) AS events
     FROM orders WHERE customer_email = $1`,
    [email],
  );
  return written;
}

describe('placing orders with one Idempotency-Key', () => {
  it('places one order when requests with the same key run at once, and answers all of them with it', async () => {
    const bookId = await replicatedBook(database.db);
    for (let round = 0; round < 5; round += 1) {
      const email = `ada+${randomUUID()}@example.com`;
      const key = randomUUID();
      const answers = await Promise.all(Array.from({ length: 8 }, () => place(order(bookId, email), key)));

      for (const answer of answers) expect(answer).toEqual(answers[0]);
      expect(await writtenFor(email)).toEqual({ orders: 1, lines: 1, steps: 1, events: 1 });
      const [stored] = await query<{ id: string }>(database.url, 'SELECT id::text FROM orders WHERE customer_email = $1', [email]);
      expect(stored?.id).toBe(answers[0]?.orderId);
    }
  });

  it('places nothing for a repeat, nor for the same key with another request, which is refused', async () => {
    const bookId = await replicatedBook(database.db);
    const email = `ada+${randomUUID()}@example.com`;
    const key = randomUUID();
    const first = await place(order(bookId, email), key);
    await expect(place(order(bookId, email), key)).resolves.toEqual(first);
    await expect(place({ ...order(bookId, email), paymentMethodId: 'pm_other000' }, key)).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    expect(await writtenFor(email)).toEqual({ orders: 1, lines: 1, steps: 1, events: 1 });
  });
});
