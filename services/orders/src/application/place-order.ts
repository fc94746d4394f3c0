import { randomUUID } from 'node:crypto';
import { contracts, type AnyEvent } from '@bookstore/events';
import { encodeOutbox, insertOutboxSql, preparedStatement } from '@bookstore/kit';
import type { PlacedOrder, PlaceOrderRequest } from '../api/types';
import type { OrdersDb } from '../infrastructure/database';
import type { OrderAccessTokens } from './access-token';
import { claimIdempotencyKeySql, earlierAnswer, hashRequest, type IdempotencyKeyRow, type StoredAnswer } from './idempotency-key';
import { priceOrder, type PricedOrder } from './price-order';

/**
 * Prices the items, stores the order as PENDING and emits OrderPlaced through the outbox, all atomically.
 * With an idempotency key, a repeat of the same request gets the first answer back and places nothing. The answer's
 * access token is derived from the order id (access-token.ts), never stored: the key's row keeps the rest of it.
 *
 * Two statements on `pg` (issue 13: each is a round trip and a socket write): the prices, then one statement that
 * claims the key and writes everything. One statement commits on its own, so there is no BEGIN and no COMMIT.
 */
export async function placeOrder(
  db: Pick<OrdersDb, 'pool' | 'outbox'>,
  request: PlaceOrderRequest,
  { idempotencyKey, deadlineSeconds, accessTokens }: { idempotencyKey?: string; deadlineSeconds: number; accessTokens: OrderAccessTokens },
): Promise<PlacedOrder> {
  const priced = await priceOrder(db, request.items);
  const placed: StoredAnswer = { orderId: randomUUID(), status: 'PENDING' };
  const requestHash = hashRequest({ ...request, items: priced.items });
  const event = orderPlaced(request, priced, placed.orderId);
  const keyRow = await storeOrder(db, { request, priced, placed, event, deadlineSeconds, idempotencyKey, requestHash });
  const earlier = keyRow && earlierAnswer(keyRow, { orderId: placed.orderId, requestHash });
  if (!earlier) db.outbox.dispatch([event]);
  const answer = earlier ?? placed;
  return { ...answer, accessToken: accessTokens.of(answer.orderId) };
}

const placeOrderStatement = preparedStatement(
  'orders.place-order',
  `WITH claimed AS (${claimIdempotencyKeySql('$1', '$2', '$3', '$4')}),
     may_place AS (SELECT WHERE NOT EXISTS (SELECT FROM claimed WHERE order_id <> $3::uuid)),
     placed_order AS (
       INSERT INTO orders (id, customer_email, customer_name, payment_method_id, total_cents, currency, deadline_at, created_at, updated_at)
       SELECT $3::uuid, $5, $6, $7, $8, $9, $10::timestamptz, $13::timestamptz, $13::timestamptz FROM may_place
       RETURNING id
     ),
     placed_lines AS (
       INSERT INTO order_lines (order_id, book_id, title, quantity, unit_price_cents)
       SELECT placed_order.id, line."bookId", line.title, line.quantity, line."unitPriceCents"
       FROM placed_order, jsonb_to_recordset($11::jsonb) AS line("bookId" uuid, title text, quantity int, "unitPriceCents" int)
     ),
     first_step AS (INSERT INTO order_timeline (order_id, type, at) SELECT id, 'OrderPlaced', $13::timestamptz FROM placed_order),
     published AS (${insertOutboxSql('$12')} WHERE EXISTS (SELECT FROM placed_order))
     SELECT order_id::text, request_hash, response FROM claimed`,
);

/**
 * The statement that places the order. It claims the Idempotency-Key, if any, and writes the order, its lines, its
 * first timeline step and the OrderPlaced outbox row only when the key is absent or was claimed by this request:
 * `may_place` has one row then, and none when the key belongs to an earlier order. Lines, step and outbox row
 * follow from the order's RETURNING, so they are written exactly when the order is. Returns the key's row.
 * The order's times are this process's clock, as Prisma's `@default(now())` and `@updatedAt` set them before, like
 * the saga's later timeline steps (advance-order.ts), which `at` orders them with.
 */
async function storeOrder(
  db: Pick<OrdersDb, 'pool'>,
  order: { request: PlaceOrderRequest; priced: PricedOrder; placed: StoredAnswer; event: AnyEvent; deadlineSeconds: number; idempotencyKey?: string; requestHash: string },
): Promise<IdempotencyKeyRow | undefined> {
  const { request, priced, placed, event, deadlineSeconds, idempotencyKey, requestHash } = order;
  const placedAt = new Date();
  const { rows } = await db.pool.query<IdempotencyKeyRow>(
    placeOrderStatement.with([
      idempotencyKey ?? null,
      requestHash,
      placed.orderId,
      JSON.stringify(placed),
      request.customer.email,
      request.customer.name,
      request.paymentMethodId,
      priced.totalCents,
      priced.currency,
      new Date(placedAt.getTime() + deadlineSeconds * 1000),
      JSON.stringify(priced.lines),
      encodeOutbox([event]),
      placedAt,
    ]),
  );
  return rows[0];
}

/** The event that asks Catalog for the stock and Payments for the money. */
function orderPlaced(request: PlaceOrderRequest, { lines, totalCents, currency }: PricedOrder, orderId: string) {
  return contracts.OrderPlaced.create(
    { orderId, lines: lines.map(({ bookId, quantity, unitPriceCents }) => ({ bookId, quantity, unitPriceCents })), totalCents, currency, paymentMethodId: request.paymentMethodId },
    { correlationId: orderId },
  );
}
