import { contracts, type EventOf } from '@bookstore/events';
import { createPool } from '@bookstore/kit';
import { createTestDatabase, testLogger } from '@bookstore/kit/testing';
import { randomUUID } from 'node:crypto';
import { migrationsDir } from '..';
import { createCatalogDb, type CatalogDb } from '../infrastructure/database';
import { addBook } from './books';
import { releaseStock, reserveStock } from './reservations';

/**
 * Every statement is a round trip to PostgreSQL, and on the worker a socket write (issue 13). These tests count
 * what a handler sends, BEGIN and COMMIT included, so that a slide back to a statement per row is caught.
 */
let db: CatalogDb;
let pool: ReturnType<typeof createPool>;
const statements: string[] = [];

beforeAll(async () => {
  pool = createPool(await createTestDatabase('catalog', migrationsDir), testLogger());
  // Every connection of this pool records what it sends, whoever sends it (the handlers or Prisma).
  pool.on('connect', (client) => {
    const send = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      const [statement] = args;
      statements.push(typeof statement === 'string' ? statement : (statement as { text: string }).text);
      return send(...args);
    }) as typeof client.query;
  });
  db = createCatalogDb(pool);
});
afterAll(async () => {
  await db.$disconnect();
  await pool.end();
});

const book = (stock: number) =>
  addBook(db, { isbn: `978${Math.floor(Math.random() * 1e10).toString().padStart(10, '0')}`, title: 'T', author: 'A', description: '', priceCents: 100, currency: 'EUR', stock });
const placed = (orderId: string, lines: { bookId: string; quantity: number }[]): EventOf<'OrderPlaced'> =>
  contracts.OrderPlaced.create(
    { orderId, lines: lines.map((line) => ({ ...line, unitPriceCents: 100 })), totalCents: 100, currency: 'EUR', paymentMethodId: 'pm_test' },
    { correlationId: orderId },
  );
const cancelled = (orderId: string): EventOf<'OrderCancelled'> => contracts.OrderCancelled.create({ orderId, reason: 'payment_declined' }, { correlationId: orderId });

/** The statements `work` sends. */
async function sentBy(work: () => Promise<void>): Promise<string[]> {
  statements.length = 0;
  await work();
  return [...statements];
}

describe('round trips of the stock handlers', () => {
  it('reserves an order of three lines in four statements: BEGIN, lock, write, COMMIT', async () => {
    const books = [await book(5), await book(5), await book(5)];
    const sent = await sentBy(() => reserveStock(db, placed(randomUUID(), books.map(({ id }) => ({ bookId: id, quantity: 1 })))));
    expect(sent).toHaveLength(4);
    expect([sent[0], sent.at(-1)]).toEqual(['BEGIN', 'COMMIT']);
  });

  it('rejects a short order in four statements too', async () => {
    const [plenty, scarce] = [await book(5), await book(1)];
    const sent = await sentBy(() => reserveStock(db, placed(randomUUID(), [{ bookId: plenty.id, quantity: 1 }, { bookId: scarce.id, quantity: 2 }])));
    expect(sent).toHaveLength(4);
  });

  it('releases a reservation of two lines in four statements, and tombstones an unknown order in three', async () => {
    const books = [await book(5), await book(5)];
    const orderId = randomUUID();
    await reserveStock(db, placed(orderId, books.map(({ id }) => ({ bookId: id, quantity: 2 }))));
    expect(await sentBy(() => releaseStock(db, cancelled(orderId)))).toHaveLength(4);
    expect(await sentBy(() => releaseStock(db, cancelled(randomUUID())))).toHaveLength(3);
  });

  it('skips a duplicate in three statements', async () => {
    const { id } = await book(5);
    const event = placed(randomUUID(), [{ bookId: id, quantity: 1 }]);
    await reserveStock(db, event);
    expect(await sentBy(() => reserveStock(db, event))).toHaveLength(3);
  });
});
