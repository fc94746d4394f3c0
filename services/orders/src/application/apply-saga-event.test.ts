import { contracts } from '@bookstore/events';
import { createPool } from '@bookstore/kit';
import { createTestDatabase, testLogger } from '@bookstore/kit/testing';
import { randomUUID } from 'node:crypto';
import { migrationsDir } from '..';
import { createOrdersDb, type OrdersDb } from '../infrastructure/database';
import { applySagaEvent } from './apply-saga-event';
import { replicateBook } from './catalog-replica';
import { placeOrder } from './place-order';

let db: OrdersDb;
let pool: ReturnType<typeof createPool>;

beforeAll(async () => {
  pool = createPool(await createTestDatabase('orders', migrationsDir), testLogger());
  db = createOrdersDb(pool);
});
afterAll(async () => {
  await db.$disconnect();
  await pool.end();
});

async function pendingOrder() {
  const bookId = randomUUID();
  await replicateBook(db, contracts.BookUpserted.create({ bookId, isbn: '9780441172719', title: 'T', author: 'A', priceCents: 900, currency: 'EUR', revision: 1 }, { correlationId: bookId }));
  const request = { customer: { email: 'ada@example.com', name: 'Ada' }, items: [{ bookId, quantity: 1 }], paymentMethodId: 'pm_test0000' };
  return { bookId, ...(await placeOrder(db, request, { deadlineSeconds: 60 })) };
}
const orderRow = (id: string) => db.order.findUniqueOrThrow({ where: { id }, include: { timeline: { orderBy: { id: 'asc' } } } });

describe('applying a saga event', () => {
  it('advances the order the event names in its data, whatever its correlation id says', async () => {
    const { orderId, bookId } = await pendingOrder();
    const origin = { correlationId: 'another-flow' };
    await applySagaEvent(db, contracts.InventoryReserved.create({ orderId, lines: [{ bookId, quantity: 1 }] }, origin));
    await applySagaEvent(db, contracts.PaymentSettled.create({ orderId, paymentId: randomUUID(), amountCents: 900, currency: 'EUR' }, origin));
    const order = await orderRow(orderId);
    expect(order.status).toBe('CONFIRMED');
    expect(order.timeline.map(({ type }) => type)).toEqual(['OrderPlaced', 'InventoryReserved', 'PaymentSettled', 'OrderConfirmed']);
  });

  it('cancels on a decline, keeping its code, and applies a redelivery once', async () => {
    const { orderId } = await pendingOrder();
    const declined = contracts.PaymentDeclined.create({ orderId, declineCode: 'insufficient_funds' }, { correlationId: orderId });
    await applySagaEvent(db, declined);
    await applySagaEvent(db, declined);
    const order = await orderRow(orderId);
    expect(order).toMatchObject({ status: 'CANCELLED', cancelReason: 'payment_declined', declineCode: 'insufficient_funds' });
    expect(order.timeline.map(({ type }) => type)).toEqual(['OrderPlaced', 'PaymentDeclined', 'OrderCancelled']);
  });
});
