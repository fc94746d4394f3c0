import { DomainError, preparedStatement } from '@bookstore/kit';
import type { PlaceOrderRequest } from '../api/types';
import { maxQuantityPerBook, maxTotalCents } from '../domain/order-limits';
import type { OrdersDb } from '../infrastructure/database';

type Items = PlaceOrderRequest['items'];

export interface PricedOrder {
  /** The items with each book once. */
  items: Items;
  lines: { bookId: string; quantity: number; title: string; unitPriceCents: number }[];
  totalCents: number;
  currency: string;
}

/**
 * Prices the items from Orders' replica of the catalog, so placing an order needs no call to Catalog. Refuses
 * too many copies of a book, books the replica does not know, a mix of currencies and a total too large to store.
 */
export async function priceOrder(db: Pick<OrdersDb, 'pool'>, requested: Items): Promise<PricedOrder> {
  const items = mergeItems(requested);
  const excessive = items.filter(({ quantity }) => quantity > maxQuantityPerBook);
  if (excessive.length > 0) {
    throw new DomainError('rejected', 'quantity_limit', `at most ${maxQuantityPerBook} copies of a book per order`, { bookIds: excessive.map(({ bookId }) => bookId) });
  }
  const books = await replicatedBooks(db, items);
  const byId = new Map(books.map((book) => [book.id, book]));
  const unknown = items.filter(({ bookId }) => !byId.has(bookId)).map(({ bookId }) => bookId);
  if (unknown.length > 0) throw new DomainError('rejected', 'unknown_books', 'some items name books that are not in the catalog', { bookIds: unknown });
  const currencies = new Set(books.map(({ currency }) => currency));
  if (currencies.size > 1) throw new DomainError('rejected', 'mixed_currencies', 'all items of an order must be priced in one currency');

  const lines = items.map(({ bookId, quantity }) => {
    const book = byId.get(bookId)!;
    return { bookId, quantity, title: book.title, unitPriceCents: book.priceCents };
  });
  const totalCents = lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
  if (totalCents > maxTotalCents) {
    throw new DomainError('rejected', 'order_too_large', `an order may total at most ${maxTotalCents} cents`, { totalCents, maxTotalCents });
  }
  return { items, lines, totalCents, currency: books[0]!.currency };
}

const replicatedBooksStatement = preparedStatement(
  'orders.replicated-books',
  'SELECT id, title, price_cents AS "priceCents", currency FROM book_replicas WHERE id = ANY($1::uuid[])',
);

/** The replica's copies of the books the items name, in one statement. */
async function replicatedBooks(db: Pick<OrdersDb, 'pool'>, items: Items) {
  const { rows } = await db.pool.query<{ id: string; title: string; priceCents: number; currency: string }>(
    replicatedBooksStatement.with([items.map(({ bookId }) => bookId)]),
  );
  return rows;
}

/** Two items for the same book are one line with both quantities. */
function mergeItems(items: Items): Items {
  const totals = new Map<string, number>();
  for (const { bookId, quantity } of items) totals.set(bookId, (totals.get(bookId) ?? 0) + quantity);
  return [...totals].map(([bookId, quantity]) => ({ bookId, quantity }));
}
