import { contracts } from '@bookstore/events';
import { randomUUID } from 'node:crypto';
import { applySagaEvent } from './apply-saga-event';
import { placeOrder } from './place-order';
import { replicatedBook, testAccessTokens, useOrdersDatabase } from './test-support';

const orders = useOrdersDatabase();

async function pendingOrder() {
  const bookId = await replicatedBook(orders.db, 900);
  const request = { customer: { email: 'ada@example.com', name: 'Ada' }, items: [{ bookId, quantity: 1 }], paymentMethodId: 'pm_test0000' };
  return { bookId, ...(await placeOrder(orders.db, request, { deadlineSeconds: 60, accessTokens: testAccessTokens })) };
}
const orderRow = (id: string) => orders.db.order.findUniqueOrThrow({ where: { id }, include: { timeline: { orderBy: { id: 'asc' } } } });

describe('applying a saga event', () => {
  it('advances the order the event names in its data, whatever its correlation id says', async () => {
    const { orderId, bookId } = await pendingOrder();
    const origin = { correlationId: 'another-flow' };
    await applySagaEvent(orders.db, contracts.InventoryReserved.create({ orderId, lines: [{ bookId, quantity: 1 }] }, origin));
    await applySagaEvent(orders.db, contracts.PaymentSettled.create({ orderId, paymentId: randomUUID(), amountCents: 900, currency: 'EUR' }, origin));
    const order = await orderRow(orderId);
    expect(order.status).toBe('CONFIRMED');
    expect(order.timeline.map(({ type }) => type)).toEqual(['OrderPlaced', 'InventoryReserved', 'PaymentSettled', 'OrderConfirmed']);
  });

  it('cancels on a decline, keeping its code, and applies a redelivery once', async () => {
    const { orderId } = await pendingOrder();
    const declined = contracts.PaymentDeclined.create({ orderId, declineCode: 'insufficient_funds' }, { correlationId: orderId });
    await applySagaEvent(orders.db, declined);
    await applySagaEvent(orders.db, declined);
    const order = await orderRow(orderId);
    expect(order).toMatchObject({ status: 'CANCELLED', cancelReason: 'payment_declined', declineCode: 'insufficient_funds' });
    expect(order.timeline.map(({ type }) => type)).toEqual(['OrderPlaced', 'PaymentDeclined', 'OrderCancelled']);
  });
});
