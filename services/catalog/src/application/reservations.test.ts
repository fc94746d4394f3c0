import { contracts, type EventOf } from '@bookstore/events';
import { createPool } from '@bookstore/kit';
import { createTestDatabase, query, testLogger } from '@bookstore/kit/testing';
import { randomUUID } from 'node:crypto';
import { migrationsDir } from '..';
import { createCatalogDb, type CatalogDb } from '../infrastructure/database';
import { addBook } from './books';
import { releaseStock, reserveStock } from './reservations';

let url: string;
let db: CatalogDb;
let pool: ReturnType<typeof createPool>;

beforeAll(async () => {
  url = await createTestDatabase('catalog', migrationsDir);
  pool = createPool(url, testLogger());
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
const stockOf = async (id: string) => (await db.book.findUniqueOrThrow({ where: { id } })).stock;
const emitted = async (orderId: string) =>
  (await query<{ type: string }>(url, `SELECT type FROM outbox_events WHERE payload->>'correlationId' = $1 ORDER BY created_at`, [orderId])).map(({ type }) => type);

describe('stock reservation', () => {
  it('reserves every line or none, naming the short lines', async () => {
    const [plenty, scarce] = [await book(5), await book(1)];
    const orderId = randomUUID();
    await reserveStock(db, placed(orderId, [{ bookId: plenty.id, quantity: 2 }, { bookId: scarce.id, quantity: 2 }]));
    expect([await stockOf(plenty.id), await stockOf(scarce.id)]).toEqual([5, 1]);
    const [rejection] = await query<{ payload: EventOf<'InventoryRejected'> }>(url, `SELECT payload FROM outbox_events WHERE type = 'InventoryRejected' AND payload->'data'->>'orderId' = $1`, [orderId]);
    expect(rejection?.payload.data.shortLines).toEqual([{ bookId: scarce.id, requested: 2, available: 1 }]);
  });

  it('handles a redelivered or re-emitted OrderPlaced once', async () => {
    const { id } = await book(5);
    const orderId = randomUUID();
    const event = placed(orderId, [{ bookId: id, quantity: 2 }]);
    await reserveStock(db, event);
    await reserveStock(db, event);
    await reserveStock(db, placed(orderId, [{ bookId: id, quantity: 2 }]));
    expect(await stockOf(id)).toBe(3);
    expect(await emitted(orderId)).toEqual(['InventoryReserved']);
  });

  it('releases a reservation once, however often the cancellation arrives', async () => {
    const { id } = await book(4);
    const orderId = randomUUID();
    await reserveStock(db, placed(orderId, [{ bookId: id, quantity: 3 }]));
    await releaseStock(db, cancelled(orderId));
    await releaseStock(db, cancelled(orderId));
    expect(await stockOf(id)).toBe(4);
    expect(await emitted(orderId)).toEqual(['InventoryReserved', 'InventoryReleased']);
  });

  it('reserves nothing for an order whose cancellation arrived first', async () => {
    const { id } = await book(4);
    const orderId = randomUUID();
    await releaseStock(db, cancelled(orderId));
    await reserveStock(db, placed(orderId, [{ bookId: id, quantity: 1 }]));
    expect(await stockOf(id)).toBe(4);
    expect(await emitted(orderId)).toEqual([]);
  });

  it('never sells more than the stock when orders are handled concurrently', async () => {
    const { id } = await book(3);
    const orders = Array.from({ length: 12 }, () => randomUUID());
    await Promise.all(orders.map((orderId) => reserveStock(db, placed(orderId, [{ bookId: id, quantity: 1 }]))));
    expect(await stockOf(id)).toBe(0);
    const outcomes = (await Promise.all(orders.map(emitted))).flat();
    expect(outcomes.filter((type) => type === 'InventoryReserved')).toHaveLength(3);
    expect(outcomes.filter((type) => type === 'InventoryRejected')).toHaveLength(9);
  });
});
