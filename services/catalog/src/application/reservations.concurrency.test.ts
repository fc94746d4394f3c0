import type { EventOf } from '@bookstore/events';
import { query, seededRandom, useServiceDatabase } from '@bookstore/kit/testing';
import { randomUUID } from 'node:crypto';
import { migrationsDir } from '..';
import { createCatalogDb } from '../infrastructure/database';
import { releaseStock, reserveStock } from './reservations';
import { addTestBook, orderCancelled as cancelled, orderPlaced as placed, type Line } from './reservations.fixtures';

/**
 * What the handlers' few statements must keep of the guarantees, under concurrency: the locks (reservation
 * first, books in id order) and the all-or-nothing reservation. reservations.test.ts covers them one at a time.
 */
const database = useServiceDatabase('catalog', migrationsDir, createCatalogDb, { poolSize: 12 });

const book = (stock: number) => addTestBook(database.db, stock);
const stockOf = async (ids: string[]) =>
  Object.fromEntries((await query<{ id: string; stock: number }>(database.url, 'SELECT id::text, stock FROM books WHERE id = ANY($1::uuid[])', [ids])).map(({ id, stock }) => [id, stock]));
/** The types of the events emitted for an order, by name: created_at is a transaction's start, not the order of commits. */
const emitted = async (orderId: string) =>
  (await query<{ type: string }>(database.url, `SELECT type FROM outbox_events WHERE payload->'data'->>'orderId' = $1 ORDER BY type`, [orderId])).map(({ type }) => type);
const reservation = async (orderId: string) =>
  (await query<{ status: string; lines: Line[] }>(database.url, 'SELECT status::text, lines FROM reservations WHERE order_id = $1', [orderId]))[0];
const payloadOf = async <T>(type: string, orderId: string) =>
  (await query<{ payload: T }>(database.url, `SELECT payload FROM outbox_events WHERE type = $1 AND payload->'data'->>'orderId' = $2`, [type, orderId]))[0]?.payload;

describe('stock reservation under concurrency', () => {
  it('never oversells nor deadlocks when orders of the same books, their lines in any order, are handled at once', async () => {
    const books = [await book(6), await book(6), await book(6), await book(6)];
    const ids = books.map(({ id }) => id);
    const random = seededRandom(13);
    // Each order takes 1 or 2 copies of two to four of the books, listed in a shuffled order.
    const orders = Array.from({ length: 24 }, () => {
      const chosen = [...ids].sort(() => random() - 0.5).slice(0, 2 + Math.floor(random() * 3));
      return { orderId: randomUUID(), lines: chosen.map((bookId) => ({ bookId, quantity: 1 + Math.floor(random() * 2) })) };
    });

    await Promise.all(orders.map(({ orderId, lines }) => reserveStock(database.db, placed(orderId, lines))));

    const outcomes = await Promise.all(orders.map(async (order) => ({ ...order, events: await emitted(order.orderId) })));
    const reservedOf = (bookId: string) =>
      outcomes.filter(({ events }) => events[0] === 'InventoryReserved').flatMap(({ lines }) => lines.filter((line) => line.bookId === bookId)).reduce((sum, { quantity }) => sum + quantity, 0);
    const stock = await stockOf(ids);
    for (const id of ids) {
      expect(stock[id]).toBeGreaterThanOrEqual(0);
      expect(stock[id]).toBe(6 - reservedOf(id));
    }
    expect(outcomes.every(({ events }) => events.length === 1)).toBe(true);
    expect(outcomes.some(({ events }) => events[0] === 'InventoryRejected')).toBe(true);
  });

  it('gives back exactly what was reserved when cancellations and new orders of the same books run at once', async () => {
    const books = [await book(10), await book(10), await book(10)];
    const ids = books.map(({ id }) => id);
    const lines = (order: number) => (order % 2 === 0 ? ids : [...ids].reverse()).map((bookId) => ({ bookId, quantity: 1 }));
    const first = Array.from({ length: 6 }, () => randomUUID());
    await Promise.all(first.map((orderId, order) => reserveStock(database.db, placed(orderId, lines(order)))));
    expect(Object.values(await stockOf(ids))).toEqual([4, 4, 4]);

    const second = Array.from({ length: 6 }, () => randomUUID());
    await Promise.all([
      ...first.map((orderId) => releaseStock(database.db, cancelled(orderId))),
      ...second.map((orderId, order) => reserveStock(database.db, placed(orderId, lines(order + 1)))),
    ]);

    expect(Object.values(await stockOf(ids))).toEqual([4, 4, 4]);
    for (const orderId of first) expect(await emitted(orderId)).toEqual(['InventoryReleased', 'InventoryReserved']);
    for (const orderId of second) expect(await emitted(orderId)).toEqual(['InventoryReserved']);
  });

  it('handles OrderPlaced and OrderCancelled of one order one after the other, whichever runs first: the stock always comes back', async () => {
    const { id } = await book(50);
    const orders = Array.from({ length: 16 }, () => randomUUID());
    await Promise.all(orders.flatMap((orderId, order) => {
      const both = [reserveStock(database.db, placed(orderId, [{ bookId: id, quantity: 2 }])), releaseStock(database.db, cancelled(orderId))];
      return order % 2 === 0 ? both : both.reverse();
    }));

    expect((await stockOf([id]))[id]).toBe(50);
    for (const orderId of orders) {
      const { status } = (await reservation(orderId))!;
      expect(['RELEASED', 'CANCELLED_BEFORE_PLACED']).toContain(status);
      expect(await emitted(orderId)).toEqual(status === 'RELEASED' ? ['InventoryReleased', 'InventoryReserved'] : []);
    }
  });

  it('leaves the tombstone CANCELLED_BEFORE_PLACED for an order cancelled before it was placed, which a late OrderPlaced keeps', async () => {
    const { id } = await book(3);
    const orderId = randomUUID();
    await releaseStock(database.db, cancelled(orderId));
    expect(await reservation(orderId)).toEqual({ status: 'CANCELLED_BEFORE_PLACED', lines: [] });

    await reserveStock(database.db, placed(orderId, [{ bookId: id, quantity: 1 }]));
    await releaseStock(database.db, cancelled(orderId));
    expect(await reservation(orderId)).toEqual({ status: 'CANCELLED_BEFORE_PLACED', lines: [] });
    expect((await stockOf([id]))[id]).toBe(3);
    expect(await emitted(orderId)).toEqual([]);
  });

  it('handles a duplicate delivered at the same time once, for OrderPlaced and for OrderCancelled', async () => {
    const { id } = await book(5);
    const orderId = randomUUID();
    const placing = placed(orderId, [{ bookId: id, quantity: 2 }]);
    await Promise.all([reserveStock(database.db, placing), reserveStock(database.db, placing), reserveStock(database.db, placing)]);
    expect((await stockOf([id]))[id]).toBe(3);

    const cancelling = cancelled(orderId);
    await Promise.all([releaseStock(database.db, cancelling), releaseStock(database.db, cancelling), releaseStock(database.db, cancelling)]);
    expect((await stockOf([id]))[id]).toBe(5);
    expect(await emitted(orderId)).toEqual(['InventoryReleased', 'InventoryReserved']);
    expect(await query(database.url, 'SELECT 1 FROM processed_events WHERE event_id = ANY($1::uuid[])', [[placing.id, cancelling.id]])).toHaveLength(2);
  });
});

describe('an order with one short line', () => {
  it('reserves nothing, and names only the short lines: a line short after merging, and a book Catalog does not know', async () => {
    const [plenty, some, scarce] = [await book(9), await book(4), await book(3)];
    const unknown = randomUUID();
    const orderId = randomUUID();
    await reserveStock(
      database.db,
      placed(orderId, [
        { bookId: plenty.id, quantity: 2 },
        { bookId: scarce.id, quantity: 2 },
        { bookId: some.id, quantity: 4 },
        { bookId: scarce.id, quantity: 2 },
        { bookId: unknown, quantity: 1 },
      ]),
    );

    expect(await stockOf([plenty.id, some.id, scarce.id])).toEqual({ [plenty.id]: 9, [some.id]: 4, [scarce.id]: 3 });
    expect(await reservation(orderId)).toEqual({ status: 'REJECTED', lines: [] });
    const rejection = await payloadOf<EventOf<'InventoryRejected'>>('InventoryRejected', orderId);
    const expected = [
      { bookId: scarce.id, requested: 4, available: 3 },
      { bookId: unknown, requested: 1, available: 0 },
    ].sort((a, b) => a.bookId.localeCompare(b.bookId));
    expect(rejection?.data).toEqual({ orderId, reason: 'out_of_stock', shortLines: expected });
    expect(await emitted(orderId)).toEqual(['InventoryRejected']);
  });

  it('reserves the merged lines when every one is served, and releases those same lines', async () => {
    const [a, b] = [await book(5), await book(5)];
    const orderId = randomUUID();
    await reserveStock(database.db, placed(orderId, [{ bookId: b.id, quantity: 1 }, { bookId: a.id, quantity: 2 }, { bookId: b.id, quantity: 3 }]));
    const lines = [{ bookId: a.id, quantity: 2 }, { bookId: b.id, quantity: 4 }].sort((x, y) => x.bookId.localeCompare(y.bookId));
    expect(await stockOf([a.id, b.id])).toEqual({ [a.id]: 3, [b.id]: 1 });
    expect(await reservation(orderId)).toEqual({ status: 'RESERVED', lines });
    expect((await payloadOf<EventOf<'InventoryReserved'>>('InventoryReserved', orderId))?.data).toEqual({ orderId, lines });

    await releaseStock(database.db, cancelled(orderId));
    expect(await stockOf([a.id, b.id])).toEqual({ [a.id]: 5, [b.id]: 5 });
    expect((await payloadOf<EventOf<'InventoryReleased'>>('InventoryReleased', orderId))?.data).toEqual({ orderId, lines });
    expect((await reservation(orderId))?.status).toBe('RELEASED');
  });
});
