import { createPool, DomainError } from '@bookstore/kit';
import { createTestDatabase, testLogger } from '@bookstore/kit/testing';
import { randomUUID } from 'node:crypto';
import { migrationsDir } from '..';
import { createCatalogDb, type CatalogDb } from '../infrastructure/database';
import { addBook, changeBook, getBook, maxStock, restockBook, searchBooks } from './books';

let db: CatalogDb;
let pool: ReturnType<typeof createPool>;

beforeAll(async () => {
  pool = createPool(await createTestDatabase('catalog', migrationsDir), testLogger());
  db = createCatalogDb(pool);
});
afterAll(async () => {
  await db.$disconnect();
  await pool.end();
});

const isbn = () => `978${Math.floor(Math.random() * 1e10).toString().padStart(10, '0')}`;
const newBook = (stock = 1, isbnOf = isbn()) => addBook(db, { isbn: isbnOf, title: 'T', author: 'A', description: '', priceCents: 100, currency: 'EUR', stock });
const refusal = (attempt: Promise<unknown>) => attempt.then(() => undefined, (error: unknown) => error);

/** The catalog's use cases refuse in their own terms; the HTTP status is kit's error handler's business. */
describe('refusals of the catalog', () => {
  it('a book that is not there is not_found, for reading and for changing it', async () => {
    const id = randomUUID();
    const expected = new DomainError('not_found', 'book_not_found', `no book with id ${id}`);
    for (const attempt of [() => getBook(db, id), () => changeBook(db, id, { title: 'New' }), () => restockBook(db, id, 1)]) {
      const error = await refusal(attempt());
      expect(error).toEqual(expected);
      expect(error).toMatchObject({ kind: 'not_found' });
    }
  });

  it('an ISBN already in the catalog is a conflict', async () => {
    const { isbn: taken } = await newBook();
    expect(await refusal(newBook(1, taken))).toMatchObject({ kind: 'conflict', code: 'isbn_taken' });
  });

  it('restocking past the most the catalog holds is rejected, with the stock it has', async () => {
    const { id } = await newBook(5);
    expect(await refusal(restockBook(db, id, maxStock))).toMatchObject({ kind: 'rejected', code: 'stock_limit', details: { stock: 5, maxStock } });
  });
});

describe('reading the catalog', () => {
  const add = (title: string, author: string) => addBook(db, { isbn: isbn(), title, author, description: '', priceCents: 100, currency: 'EUR', stock: 1 });

  it('finds the books whose title or author contains the query, in any case, by title then id, with the total on every page', async () => {
    const tag = randomUUID().slice(0, 8);
    const [alpha, beta, gamma] = [await add(`Alpha ${tag}`, 'Ann'), await add('Beta', `Bob ${tag.toUpperCase()}`), await add(`Gamma ${tag}`, 'Cy')];
    await add('Delta', 'Dee');

    expect(await searchBooks(db, { q: tag, page: 1, pageSize: 2 })).toEqual({ items: [alpha, beta], page: 1, pageSize: 2, total: 3 });
    expect(await searchBooks(db, { q: tag, page: 2, pageSize: 2 })).toEqual({ items: [gamma], page: 2, pageSize: 2, total: 3 });
    // A page past the end has no row to carry the total; it is still right.
    expect(await searchBooks(db, { q: tag, page: 3, pageSize: 2 })).toEqual({ items: [], page: 3, pageSize: 2, total: 3 });
    expect(await getBook(db, beta.id)).toEqual(beta);
  });

  it('takes % and _ in the query literally, not as wildcards', async () => {
    const tag = randomUUID().slice(0, 8);
    const literal = await add(`100%_${tag}`, 'Pat');
    await add(`100x${tag}`, 'Pat');
    expect((await searchBooks(db, { q: `%_${tag}`, page: 1, pageSize: 10 })).items).toEqual([literal]);
    expect((await searchBooks(db, { q: `0_${tag}`, page: 1, pageSize: 10 })).total).toBe(0);
  });

  it('without a query, lists every book', async () => {
    const { total } = await searchBooks(db, { page: 1, pageSize: 1 });
    expect(total).toBe(Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM books')).rows[0]!.n));
  });
});
