import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { contracts } from '@bookstore/events';
import { enqueueEvents, HttpError } from '@bookstore/kit';
import type { PlacedOrder, PlaceOrderRequest } from '../api/types';
import type { OrdersDb } from '../infrastructure/database';

/** The most one order may charge: the total is stored as a 32-bit integer of cents. */
export const maxTotalCents = 2_147_483_647;
/** The most copies of one book in an order, also when the book is named on several lines. */
export const maxQuantityPerBook = 100;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Prices the items from Orders' replica of the catalog, stores the order as PENDING and emits OrderPlaced
 * through the outbox, all in one transaction. With an idempotency key, a repeat of the same request gets
 * the first answer back and places nothing; the same key with another request is a conflict.
 */
export async function placeOrder(
  db: OrdersDb,
  request: PlaceOrderRequest,
  { idempotencyKey, deadlineSeconds }: { idempotencyKey?: string; deadlineSeconds: number },
): Promise<PlacedOrder> {
  const items = mergeItems(request.items);
  const excessive = items.filter(({ quantity }) => quantity > maxQuantityPerBook);
  if (excessive.length > 0) {
    throw new HttpError(422, 'quantity_limit', `at most ${maxQuantityPerBook} copies of a book per order`, { bookIds: excessive.map(({ bookId }) => bookId) });
  }
  const books = await db.bookReplica.findMany({ where: { id: { in: items.map(({ bookId }) => bookId) } } });
  const byId = new Map(books.map((book) => [book.id, book]));
  const unknown = items.filter(({ bookId }) => !byId.has(bookId)).map(({ bookId }) => bookId);
  if (unknown.length > 0) throw new HttpError(422, 'unknown_books', 'some items name books that are not in the catalog', { bookIds: unknown });
  const currencies = new Set(books.map(({ currency }) => currency));
  if (currencies.size > 1) throw new HttpError(422, 'mixed_currencies', 'all items of an order must be priced in one currency');

  const lines = items.map(({ bookId, quantity }) => {
    const book = byId.get(bookId)!;
    return { bookId, quantity, title: book.title, unitPriceCents: book.priceCents };
  });
  const totalCents = lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
  if (totalCents > maxTotalCents) {
    throw new HttpError(422, 'order_too_large', `an order may total at most ${maxTotalCents} cents`, { totalCents, maxTotalCents });
  }
  const currency = books[0]!.currency;
  const orderId = randomUUID();
  const placed: PlacedOrder = { orderId, status: 'PENDING', accessToken: randomBytes(32).toString('base64url') };
  const requestHash = createHash('sha256').update(JSON.stringify({ ...request, items })).digest('hex');

  return db.$transaction(async (tx) => {
    if (idempotencyKey) {
      const claimed = await tx.idempotencyKey.createMany({
        data: [{ key: idempotencyKey, requestHash, orderId, response: { ...placed } }],
        skipDuplicates: true,
      });
      if (claimed.count === 0) {
        const earlier = await tx.idempotencyKey.findUniqueOrThrow({ where: { key: idempotencyKey } });
        if (earlier.requestHash !== requestHash) {
          throw new HttpError(409, 'idempotency_key_reused', 'this Idempotency-Key was used for a different request');
        }
        return earlier.response as unknown as PlacedOrder;
      }
    }
    await tx.order.create({
      data: {
        id: orderId,
        customerEmail: request.customer.email,
        customerName: request.customer.name,
        paymentMethodId: request.paymentMethodId,
        totalCents,
        currency,
        accessTokenHash: hashToken(placed.accessToken),
        deadlineAt: new Date(Date.now() + deadlineSeconds * 1000),
        lines: { create: lines },
        timeline: { create: { type: 'OrderPlaced' } },
      },
    });
    await enqueueEvents(
      tx,
      contracts.OrderPlaced.create(
        { orderId, lines: lines.map(({ bookId, quantity, unitPriceCents }) => ({ bookId, quantity, unitPriceCents })), totalCents, currency, paymentMethodId: request.paymentMethodId },
        { correlationId: orderId },
      ),
    );
    return placed;
  });
}

/** Two items for the same book are one line with both quantities. */
function mergeItems(items: PlaceOrderRequest['items']): PlaceOrderRequest['items'] {
  const totals = new Map<string, number>();
  for (const { bookId, quantity } of items) totals.set(bookId, (totals.get(bookId) ?? 0) + quantity);
  return [...totals].map(([bookId, quantity]) => ({ bookId, quantity }));
}
