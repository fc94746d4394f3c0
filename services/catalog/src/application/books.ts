import { randomUUID } from 'node:crypto';
import { contracts } from '@bookstore/events';
import { DomainError, enqueueEvents } from '@bookstore/kit';
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

export async function searchBooks(db: CatalogDb, { q, page, pageSize }: { q?: string; page: number; pageSize: number }): Promise<Page<BookView>> {
  const where: Prisma.BookWhereInput = q
    ? { OR: [{ title: { contains: q, mode: 'insensitive' } }, { author: { contains: q, mode: 'insensitive' } }] }
    : {};
  const [books, total] = await Promise.all([
    db.book.findMany({ where, orderBy: [{ title: 'asc' }, { id: 'asc' }], skip: (page - 1) * pageSize, take: pageSize }),
    db.book.count({ where }),
  ]);
  return { items: books.map(toView), page, pageSize, total };
}

export async function getBook(db: CatalogDb, id: string): Promise<BookView> {
  const book = await db.book.findUnique({ where: { id } });
  if (!book) throw bookNotFound(id);
  return toView(book);
}

/** Adds a book and announces it, so Orders can price it. An ISBN already in the catalog is a conflict. */
export async function addBook(db: CatalogDb, input: NewBook): Promise<BookView> {
  try {
    return await db.$transaction(async (tx) => {
      const book = await tx.book.create({ data: { id: randomUUID(), ...input } });
      await announce(tx, book);
      return toView(book);
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw new DomainError('conflict', 'isbn_taken', `a book with ISBN ${input.isbn} is already in the catalog`);
    }
    throw error;
  }
}

export async function changeBook(db: CatalogDb, id: string, changes: BookChanges): Promise<BookView> {
  return db.$transaction(async (tx) => {
    const book = await tx.book.update({ where: { id }, data: { ...changes, revision: { increment: 1 } } }).catch(asBookNotFound(id));
    await announce(tx, book);
    return toView(book);
  });
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

function announce(tx: CatalogTx, book: Book): Promise<void> {
  const { id: bookId, isbn, title, author, priceCents, currency, revision } = book;
  return enqueueEvents(tx, contracts.BookUpserted.create({ bookId, isbn, title, author, priceCents, currency, revision }, { correlationId: bookId }));
}

/** Prisma's "record to update not found" (P2025), said as the catalog says it. */
function asBookNotFound(id: string) {
  return (error: unknown): never => {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') throw bookNotFound(id);
    throw error;
  };
}
