import { recordStatements, type StatementLog, useServiceDatabase } from '@bookstore/kit/testing';
import { randomUUID } from 'node:crypto';
import { migrationsDir } from '..';
import { createOrdersDb } from '../infrastructure/database';
import { placeOrder } from './place-order';
import { getOrder } from './read-orders';
import { replicatedBook, testAccessTokens } from './test-support';

/**
 * Every statement is a round trip to PostgreSQL and a socket write (issue 13). These tests count what placing and
 * reading an order send, BEGIN and COMMIT included, so that a slide back to a statement per row is caught.
 */
const database = useServiceDatabase('orders', migrationsDir, createOrdersDb);
let log: StatementLog;
beforeAll(() => {
  log = recordStatements(database.pool);
});

/** The statements `work` sends, also when it refuses the request. */
const sentBy = (work: () => Promise<unknown>) => log.sentBy(() => work().catch(() => undefined));

const threeBooks = async () => Promise.all([replicatedBook(database.db), replicatedBook(database.db), replicatedBook(database.db)]);
const order = (bookIds: string[], quantity = 1) => ({
  customer: { email: 'ada@example.com', name: 'Ada' },
  items: bookIds.map((bookId) => ({ bookId, quantity })),
  paymentMethodId: 'pm_test0000',
});
const place = (request: ReturnType<typeof order>, idempotencyKey?: string) => placeOrder(database.db, request, { idempotencyKey, deadlineSeconds: 60, accessTokens: testAccessTokens });

describe('round trips of placing and reading an order', () => {
  it('places an order of three lines in two statements: the prices, then the order with everything it writes', async () => {
    const books = await threeBooks();
    expect(await sentBy(() => place(order(books)))).toHaveLength(2);
  });

  it('places one with an Idempotency-Key in two, and answers its repeat and a conflicting reuse in two as well', async () => {
    const books = await threeBooks();
    const key = randomUUID();
    expect(await sentBy(() => place(order(books), key))).toHaveLength(2);
    expect(await sentBy(() => place(order(books), key))).toHaveLength(2);
    expect(await sentBy(() => place(order(books, 2), key))).toHaveLength(2);
  });

  it('reads an order with its lines and timeline in one statement', async () => {
    const { orderId, accessToken } = await place(order(await threeBooks()));
    expect(await sentBy(() => getOrder(database.db, orderId, { token: accessToken, admin: false, accessTokens: testAccessTokens }))).toHaveLength(1);
  });

  it('sends every statement prepared, so PostgreSQL plans each once per connection', async () => {
    const books = await threeBooks();
    await sentBy(() => place(order(books), randomUUID()));
    expect(log.unprepared).toEqual([]);
    const { orderId, accessToken } = await place(order(books));
    await sentBy(() => getOrder(database.db, orderId, { token: accessToken, admin: false, accessTokens: testAccessTokens }));
    expect(log.unprepared).toEqual([]);
  });
});
