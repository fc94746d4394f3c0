import { randomUUID } from 'node:crypto';
import { contracts, type AnyEvent } from '@bookstore/events';
import { DomainError, enqueueEvents, preparedStatement } from '@bookstore/kit';
import type { CatalogDb, CatalogTx } from '../infrastructure/database';
import type { BookView, Page } from '../api/types';
import { Prisma, type Book } from '../infrastructure/prisma/client';

export type { BookView, Page };

export type NewBook = Omit<BookView, 'id'>;

export type BookChanges = Partial<Pick<NewBook, 'title' | 'author' | 'description' | 'priceCents' | 'currency'>>;

const bookNotFound = (id: string) => new DomainError('not_found', 'book_not_found', `no book with id ${id}`);

export function toView(book: Book): BookView {
  const { id, isbn, title, author, description, priceCents, currency, stock } = book;
  return { id, isbn, title, author, description, priceCents, currency, stock };
}

/** The columns of a BookView, as SQL selects them. */
const bookViewColumns = 'id, isbn, title, author, description, price_cents AS "priceCents", currency, stock';

/** `q` as a LIKE pattern that matches it anywhere, its own % and _ taken literally. */
const containing = (q: string) => `%${q.replace(/[\\%_]/g, '\\$&')}%`;

/**
 * One page of books by title, those whose title or author contains `q` (any case) when it is given, in one statement
 * on `pg`: the total comes with each row as a window count (issue 13: Prisma's findMany and count were two round
 * trips and most of a read's CPU). Only a page past the end, which has no row to carry it, costs a second statement.
 */
export async function searchBooks(db: Pick<CatalogDb, 'pool'>, { q, page, pageSize }: { q?: string; page: number; pageSize: number }): Promise<Page<BookView>> {
  const statements = q ? searchStatements : listStatements;
  const pattern = q ? containing(q) : null;
  const { rows } = await db.pool.query<BookView & { total: string }>(statements.page.with([pattern, pageSize, (page - 1) * pageSize]));
  const total = rows[0] ? Number(rows[0].total) : Number((await db.pool.query<{ total: string }>(statements.count.with([pattern]))).rows[0]!.total);
  return { items: rows.map(({ total: _total, ...book }) => book), page, pageSize, total };
}

/** searchBooks' two statements, for a page and for the total alone, of the books WHERE selects. */
function pageStatements(name: string, where: string) {
  return {
    page: preparedStatement(
      `catalog.${name}-page`,
      `SELECT ${bookViewColumns}, count(*) OVER () AS total FROM books ${where} ORDER BY title, id LIMIT $2 OFFSET $3`,
    ),
    count: preparedStatement(`catalog.${name}-count`, `SELECT count(*) AS total FROM books ${where}`),
  };
}
const searchStatements = pageStatements('search', 'WHERE title ILIKE $1 OR author ILIKE $1');
const listStatements = pageStatements('list', 'WHERE $1::text IS NULL');

const bookStatement = preparedStatement('catalog.book', `SELECT ${bookViewColumns} FROM books WHERE id = $1`);

export async function getBook(db: Pick<CatalogDb, 'pool'>, id: string): Promise<BookView> {
  const { rows } = await db.pool.query<BookView>(bookStatement.with([id]));
  if (!rows[0]) throw bookNotFound(id);
  return rows[0];
}

/** Adds a book and announces it, so Orders can price it. An ISBN already in the catalog is a conflict. */
export async function addBook(db: CatalogDb, input: NewBook): Promise<BookView> {
  try {
    const { book, announcement } = await db.$transaction(async (tx) => {
      const created = await tx.book.create({ data: { id: randomUUID(), ...input } });
      return { book: created, announcement: await announce(tx, created) };
    });
    db.outbox.dispatch([announcement]);
    return toView(book);
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw new DomainError('conflict', 'isbn_taken', `a book with ISBN ${input.isbn} is already in the catalog`);
    }
    throw error;
  }
}

export async function changeBook(db: CatalogDb, id: string, changes: BookChanges): Promise<BookView> {
  const { book, announcement } = await db.$transaction(async (tx) => {
    const changed = await tx.book.update({ where: { id }, data: { ...changes, revision: { increment: 1 } } }).catch(asBookNotFound(id));
    return { book: changed, announcement: await announce(tx, changed) };
  });
  db.outbox.dispatch([announcement]);
  return toView(book);
}

/** The most copies of one book the catalog holds (the stock column is a 32-bit integer). */
export const maxStock = 1_000_000_000;

export async function restockBook(db: CatalogDb, id: string, quantity: number): Promise<BookView> {
  const { count } = await db.book.updateMany({ where: { id, stock: { lte: maxStock - quantity } }, data: { stock: { increment: quantity } } });
  if (count === 0) {
    const book = await getBook(db, id); // book_not_found when the book does not exist
    throw new DomainError('rejected', 'stock_limit', `restocking ${quantity} would take the stock past ${maxStock}`, { stock: book.stock, maxStock });
  }
  return getBook(db, id);
}

/** Stores BookUpserted in the outbox within `tx`; returns it, to be dispatched once `tx` commits. */
async function announce(tx: CatalogTx, book: Book): Promise<AnyEvent> {
  const { id: bookId, isbn, title, author, priceCents, currency, revision } = book;
  const announcement = contracts.BookUpserted.create({ bookId, isbn, title, author, priceCents, currency, revision }, { correlationId: bookId });
  await enqueueEvents(tx, announcement);
  return announcement;
}

/** Prisma's "record to update not found" (P2025), said as the catalog says it. */
function asBookNotFound(id: string) {
  return (error: unknown): never => {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') throw bookNotFound(id);
    throw error;
  };
}
