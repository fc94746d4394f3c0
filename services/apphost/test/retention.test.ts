import { serviceNames } from '@bookstore/kit';
import { eventually, query } from '@bookstore/kit/testing';
import { randomUUID } from 'node:crypto';
import { cards } from '../src/testing';
import { startTestStack, type TestStack } from './support/stack';

let stack: TestStack;

beforeAll(async () => {
  // Every retention a second, and the job every second: what each service's worker keeps is gone moments later.
  stack = await startTestStack({
    env: { OUTBOX_RETENTION_SECONDS: '1', INBOX_RETENTION_SECONDS: '1', IDEMPOTENCY_KEY_RETENTION_SECONDS: '1', RETENTION_INTERVAL_SECONDS: '1' },
  });
});
afterAll(() => stack?.stop());

const count = async (databaseUrl: string, sql: string) => (await query<{ n: number }>(databaseUrl, `SELECT count(*)::int AS n FROM ${sql}`))[0]!.n;

it("each service's worker deletes its published outbox events and handled event ids, and Orders its Idempotency-Keys, once past their retention", async () => {
  const { api, databaseUrls } = stack;
  const book = await api.addBook({ stock: 5 });
  const placed = await api.placeOrder([{ bookId: book.id, quantity: 1 }], await api.registerCard(cards.good), { 'idempotency-key': randomUUID() });
  expect(await api.settledOrder(placed.orderId, placed.accessToken)).toMatchObject({ status: 'CONFIRMED' });
  for (const service of serviceNames) {
    expect(await count(databaseUrls[service], 'processed_events')).toBeGreaterThan(0); // the saga went through each inbox
  }

  await eventually(
    async () => {
      const left = Object.fromEntries(
        await Promise.all(
          serviceNames.map(async (service) => [
            service,
            (await count(databaseUrls[service], 'outbox_events')) + (await count(databaseUrls[service], 'processed_events')),
          ]),
        ),
      );
      left.idempotencyKeys = await count(databaseUrls.orders, 'idempotency_keys');
      return Object.values(left).every((n) => n === 0) ? left : undefined;
    },
    { timeoutMs: 20_000, what: 'every outbox, inbox and idempotency key to be emptied' },
  );
  // The order itself, and what it says, stay.
  expect(await api.order(placed.orderId, placed.accessToken)).toMatchObject({ status: 'CONFIRMED' });
});
