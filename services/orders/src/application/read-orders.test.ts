import { createPool } from '@bookstore/kit';
import { createTestDatabase, query, testLogger } from '@bookstore/kit/testing';
import { migrationsDir } from '..';
import { createOrdersDb, type OrdersDb } from '../infrastructure/database';
import { getOrder } from './read-orders';
import { testAccessTokens } from './test-support';

/**
 * The answer of GET /api/orders/:id byte for byte, on rows written here with fixed ids and times. The expected
 * JSON is what the Prisma-based getOrder answered on these rows with the session in UTC, before getOrder moved to
 * one statement on `pg`: key order, cents as numbers, ISO timestamps in UTC, lines by title, timeline by at then
 * id. (In another session time zone Prisma's adapter shifted every timestamp by the offset; this one does not.)
 */
let url: string;
const opened: { db: OrdersDb; pool: ReturnType<typeof createPool> }[] = [];

/** A connection to the test database whose sessions run in `timeZone`, which must not change the answer. */
function openDb(timeZone: string): OrdersDb {
  const pool = createPool(`${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c TimeZone=${timeZone}`)}`, testLogger());
  const db = createOrdersDb(pool);
  opened.push({ db, pool });
  return db;
}

const accessTokens = testAccessTokens;
const cancelled = '00000000-0000-4000-8000-00000000000c';
const pending = '00000000-0000-4000-8000-00000000000d';
const [dune, anathem] = ['00000000-0000-4000-8000-0000000000b1', '00000000-0000-4000-8000-0000000000b2'];

beforeAll(async () => {
  url = await createTestDatabase('orders', migrationsDir);
  await query(
    url,
    `INSERT INTO orders (id, status, cancel_reason, decline_code, customer_email, customer_name, payment_method_id, total_cents, currency,
       deadline_at, created_at, updated_at)
     VALUES ($1, 'CANCELLED', 'payment_declined', 'card_declined', 'ada@example.com', 'Ada', 'pm_test0000', 3750, 'EUR',
       '2026-11-28T10:15:00Z', '2026-11-28T10:00:00.123Z', now()),
            ($2, 'PENDING', NULL, NULL, 'ada@example.com', 'Ada', 'pm_test0000', 999, 'USD',
       '2026-11-28T10:15:00Z', '2026-11-28T23:59:59.9Z', now())`,
    [cancelled, pending],
  );
  await query(
    url,
    `INSERT INTO order_lines (order_id, book_id, title, quantity, unit_price_cents)
     VALUES ($1, $3, 'Dune', 1, 1250), ($1, $4, 'Anathem', 2, 1250), ($2, $3, 'Dune', 1, 999)`,
    [cancelled, pending, dune, anathem],
  );
  // PaymentDeclined and OrderCancelled share a moment: the timeline breaks the tie by id, the order of writing.
  await query(
    url,
    `INSERT INTO order_timeline (order_id, type, at) VALUES
       ($1, 'OrderPlaced', '2026-11-28T10:00:00.123Z'), ($1, 'PaymentDeclined', '2026-11-28T10:00:01.5Z'),
       ($1, 'OrderCancelled', '2026-11-28T10:00:01.5Z'), ($1, 'InventoryReserved', '2026-11-28T10:00:01.001Z'),
       ($2, 'OrderPlaced', '2026-11-28T23:59:59.9Z')`,
    [cancelled, pending],
  );
});
afterAll(async () => {
  for (const { db, pool } of opened) {
    await db.$disconnect();
    await pool.end();
  }
});

const expected: Record<string, string> = {
  [cancelled]:
    '{"orderId":"00000000-0000-4000-8000-00000000000c","status":"CANCELLED","reason":"payment_declined","declineCode":"card_declined",' +
    '"lines":[{"bookId":"00000000-0000-4000-8000-0000000000b2","title":"Anathem","quantity":2,"unitPriceCents":1250},' +
    '{"bookId":"00000000-0000-4000-8000-0000000000b1","title":"Dune","quantity":1,"unitPriceCents":1250}],' +
    '"totalCents":3750,"currency":"EUR","createdAt":"2026-11-28T10:00:00.123Z",' +
    '"timeline":[{"type":"OrderPlaced","at":"2026-11-28T10:00:00.123Z"},{"type":"InventoryReserved","at":"2026-11-28T10:00:01.001Z"},' +
    '{"type":"PaymentDeclined","at":"2026-11-28T10:00:01.500Z"},{"type":"OrderCancelled","at":"2026-11-28T10:00:01.500Z"}]}',
  [pending]:
    '{"orderId":"00000000-0000-4000-8000-00000000000d","status":"PENDING",' +
    '"lines":[{"bookId":"00000000-0000-4000-8000-0000000000b1","title":"Dune","quantity":1,"unitPriceCents":999}],' +
    '"totalCents":999,"currency":"USD","createdAt":"2026-11-28T23:59:59.900Z","timeline":[{"type":"OrderPlaced","at":"2026-11-28T23:59:59.900Z"}]}',
};

describe('the answer of getOrder', () => {
  it.each(['UTC', 'Asia/Kolkata', 'America/St_Johns'])('is the JSON the API answered before, with the session in %s', async (timeZone) => {
    const db = openDb(timeZone);
    for (const orderId of [cancelled, pending]) {
      expect(JSON.stringify(await getOrder(db, orderId, { token: accessTokens.of(orderId), admin: false, accessTokens }))).toBe(expected[orderId]);
      expect(JSON.stringify(await getOrder(db, orderId, { admin: true, accessTokens }))).toBe(expected[orderId]);
    }
  });
});
