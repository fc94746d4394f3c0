import { inSharedTransaction } from '@bookstore/kit';
import { recordStatements, type StatementLog, useServiceDatabase } from '@bookstore/kit/testing';
import { randomUUID } from 'node:crypto';
import { migrationsDir } from '..';
import { createCatalogDb } from '../infrastructure/database';
import { getBook, searchBooks } from './books';
import { releaseStock, reserveStock } from './reservations';
import { addTestBook, orderCancelled as cancelled, orderPlaced as placed } from './reservations.fixtures';

/**
 * Every statement is a round trip to PostgreSQL, and on the worker a socket write (issue 13). These tests count
 * what a handler sends, BEGIN and COMMIT included, so that a slide back to a statement per row is caught.
 */
const database = useServiceDatabase('catalog', migrationsDir, createCatalogDb);
let log: StatementLog;
beforeAll(() => {
  log = recordStatements(database.pool);
});

const book = (stock: number) => addTestBook(database.db, stock);

const sentBy = (work: () => Promise<unknown>) => log.sentBy(work);

describe('round trips of the stock handlers', () => {
  it('reserves an order of three lines in four statements: BEGIN, lock, write, COMMIT', async () => {
    const books = [await book(5), await book(5), await book(5)];
    const sent = await sentBy(() => reserveStock(database.db, placed(randomUUID(), books.map(({ id }) => ({ bookId: id, quantity: 1 })))));
    expect(sent).toHaveLength(4);
    expect([sent[0], sent.at(-1)]).toEqual(['BEGIN', 'COMMIT']);
  });

  it('rejects a short order in four statements too', async () => {
    const [plenty, scarce] = [await book(5), await book(1)];
    const sent = await sentBy(() => reserveStock(database.db, placed(randomUUID(), [{ bookId: plenty.id, quantity: 1 }, { bookId: scarce.id, quantity: 2 }])));
    expect(sent).toHaveLength(4);
  });

  it('releases a reservation of two lines in four statements, and tombstones an unknown order in three', async () => {
    const books = [await book(5), await book(5)];
    const orderId = randomUUID();
    await reserveStock(database.db, placed(orderId, books.map(({ id }) => ({ bookId: id, quantity: 2 }))));
    expect(await sentBy(() => releaseStock(database.db, cancelled(orderId)))).toHaveLength(4);
    expect(await sentBy(() => releaseStock(database.db, cancelled(randomUUID())))).toHaveLength(3);
  });

  it('skips a duplicate in three statements', async () => {
    const { id } = await book(5);
    const event = placed(randomUUID(), [{ bookId: id, quantity: 1 }]);
    await reserveStock(database.db, event);
    expect(await sentBy(() => reserveStock(database.db, event))).toHaveLength(3);
  });

  it('sends every statement but BEGIN and COMMIT prepared, so PostgreSQL plans each once per connection', async () => {
    const { id } = await book(5);
    const orderId = randomUUID();
    await sentBy(() => reserveStock(database.db, placed(orderId, [{ bookId: id, quantity: 1 }])));
    expect(log.unprepared).toEqual([]);
    await sentBy(() => releaseStock(database.db, cancelled(orderId)));
    expect(log.unprepared).toEqual([]);
    await sentBy(() => searchBooks(database.db, { q: 'a', page: 1, pageSize: 5 }));
    expect(log.unprepared).toEqual([]);
    await sentBy(() => searchBooks(database.db, { page: 1_000, pageSize: 5 }));
    expect(log.unprepared).toEqual([]);
    await sentBy(() => getBook(database.db, id));
    expect(log.unprepared).toEqual([]);
  });

  it('reserves a batch of orders handled together in one transaction: BEGIN, a lock and a write per order, COMMIT', async () => {
    const [first, second] = [await book(5), await book(5)];
    const orders = [[first], [first, second], [second]].map((books) => placed(randomUUID(), books.map(({ id }) => ({ bookId: id, quantity: 1 }))));
    const sent = await sentBy(() => inSharedTransaction(database.pool, async () => {
      for (const event of orders) await reserveStock(database.db, event);
    }));
    expect(sent).toHaveLength(2 + 2 * orders.length);
    expect([sent[0], sent.at(-1)]).toEqual(['BEGIN', 'COMMIT']);
  });
});
