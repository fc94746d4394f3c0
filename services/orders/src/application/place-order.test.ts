import { DomainError, HttpError } from '@bookstore/kit';
import { randomUUID } from 'node:crypto';
import type { PlaceOrderRequest } from '../api/types';
import { maxQuantityPerBook } from '../domain/order-limits';
import { placeOrder } from './place-order';
import { getOrder } from './read-orders';
import { replicatedBook, testAccessTokens, useOrdersDatabase } from './test-support';

const orders = useOrdersDatabase();
const book = (priceCents?: number, currency?: string) => replicatedBook(orders.db, priceCents, currency);
const order = (...items: { bookId: string; quantity: number }[]): PlaceOrderRequest => ({
  customer: { email: 'ada@example.com', name: 'Ada' },
  items,
  paymentMethodId: 'pm_test0000',
});
const place = (request: PlaceOrderRequest, idempotencyKey?: string) => placeOrder(orders.db, request, { idempotencyKey, deadlineSeconds: 60, accessTokens: testAccessTokens });

/** Refusals come out of the use case in its own terms; kit's error handler alone turns them into HTTP statuses. */
async function refusal(attempt: Promise<unknown>) {
  const error = await attempt.then(() => undefined, (thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(DomainError);
  expect(error).not.toBeInstanceOf(HttpError);
  const { kind, code, message, details } = error as DomainError;
  return { kind, code, message, details };
}

describe('placing an order', () => {
  it('prices the lines from the replica, a book named twice being one line', async () => {
    const bookId = await book(1250);
    const { orderId, accessToken } = await place(order({ bookId, quantity: 1 }, { bookId, quantity: 2 }));
    expect(await getOrder(orders.db, orderId, { token: accessToken, admin: false, accessTokens: testAccessTokens })).toMatchObject({
      status: 'PENDING',
      lines: [{ bookId, quantity: 3, unitPriceCents: 1250 }],
      totalCents: 3750,
      currency: 'EUR',
    });
  });

  it('refuses books the replica does not know, naming them', async () => {
    const unknown = randomUUID();
    expect(await refusal(place(order({ bookId: await book(), quantity: 1 }, { bookId: unknown, quantity: 1 })))).toEqual({
      kind: 'rejected',
      code: 'unknown_books',
      message: 'some items name books that are not in the catalog',
      details: { bookIds: [unknown] },
    });
  });

  it('refuses more copies of a book than the limit, counted over all its lines', async () => {
    const bookId = await book();
    const half = maxQuantityPerBook / 2 + 1;
    expect(await refusal(place(order({ bookId, quantity: half }, { bookId, quantity: half })))).toMatchObject({ kind: 'rejected', code: 'quantity_limit', details: { bookIds: [bookId] } });
  });

  it('refuses a mix of currencies and a total too large to store', async () => {
    expect(await refusal(place(order({ bookId: await book(100, 'EUR'), quantity: 1 }, { bookId: await book(100, 'USD'), quantity: 1 })))).toMatchObject({ kind: 'rejected', code: 'mixed_currencies' });
    const dear = await book(100_000_000);
    expect(await refusal(place(order({ bookId: dear, quantity: 22 })))).toMatchObject({ kind: 'rejected', code: 'order_too_large', details: { totalCents: 2_200_000_000 } });
  });

  it('answers a repeated Idempotency-Key with the first answer, and refuses it for another request', async () => {
    const bookId = await book();
    const key = randomUUID();
    const first = await place(order({ bookId, quantity: 2 }), key);
    expect(await place(order({ bookId, quantity: 1 }, { bookId, quantity: 1 }), key)).toEqual(first);
    expect(await refusal(place(order({ bookId, quantity: 3 }), key))).toEqual({
      kind: 'conflict',
      code: 'idempotency_key_reused',
      message: 'this Idempotency-Key was used for a different request',
      details: undefined,
    });
  });

  it('shows the order only with its access token', async () => {
    const { orderId } = await place(order({ bookId: await book(), quantity: 1 }));
    expect(await refusal(getOrder(orders.db, orderId, { token: 'not-the-token', admin: false, accessTokens: testAccessTokens }))).toMatchObject({ kind: 'not_found', code: 'order_not_found' });
    expect(await getOrder(orders.db, orderId, { admin: true, accessTokens: testAccessTokens })).toMatchObject({ orderId, status: 'PENDING' });
  });
});
