import { createHash, randomUUID } from 'node:crypto';
import { serviceNames } from '@bookstore/kit';
import { query } from '@bookstore/kit/testing';
import { cards, type ApiClient } from '../src/testing';
import { startTestStack, type TestStack } from './support/stack';

let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack();
  api = stack.api;
});
afterAll(() => stack?.stop());

describe('the order saga through the gateway', () => {
  it('confirms an order, takes the stock and settles the payment', async () => {
    const book = await api.addBook({ stock: 5, priceCents: 1250 });
    const card = await api.registerCard(cards.good);

    const placed = await api.placeOrder([{ bookId: book.id, quantity: 2 }], card);
    expect(placed.status).toBe('PENDING');

    const order = await api.settledOrder(placed.orderId, placed.accessToken);
    expect(order).toMatchObject({ status: 'CONFIRMED', totalCents: 2500, currency: 'EUR' });
    expect(order.lines).toEqual([{ bookId: book.id, title: 'The Test Book', quantity: 2, unitPriceCents: 1250 }]);
    expect(order.timeline.map((entry: { type: string }) => entry.type)).toEqual(
      expect.arrayContaining(['OrderPlaced', 'InventoryReserved', 'PaymentSettled', 'OrderConfirmed']),
    );
    expect((await api.book(book.id)).stock).toBe(3);
    expect((await api.payment(placed.orderId)).body).toMatchObject({ status: 'SETTLED', amountCents: 2500, refunds: [] });
  });

  it('cancels a declined card and gives the stock back', async () => {
    const book = await api.addBook({ stock: 4 });
    const card = await api.registerCard(cards.declined);

    const placed = await api.placeOrder([{ bookId: book.id, quantity: 3 }], card);
    const order = await api.settledOrder(placed.orderId, placed.accessToken);
    expect(order).toMatchObject({ status: 'CANCELLED', reason: 'payment_declined', declineCode: 'card_declined' });

    // Catalog may have reserved before the decline arrived; the release brings the stock back either way.
    await expectEventually(async () => (await api.book(book.id)).stock, 4);
    expect((await api.payment(placed.orderId)).body).toMatchObject({ status: 'DECLINED', declineCode: 'card_declined' });
  });

  it('cancels an order for more than the stock and refunds the payment', async () => {
    const book = await api.addBook({ stock: 1 });
    const card = await api.registerCard(cards.good);

    const placed = await api.placeOrder([{ bookId: book.id, quantity: 2 }], card);
    const order = await api.settledOrder(placed.orderId, placed.accessToken);
    expect(order).toMatchObject({ status: 'CANCELLED', reason: 'out_of_stock' });

    // Payments may charge before it hears of the cancellation; then it refunds. Either way no money is held.
    const payment: { status: string; refunds: unknown[] } = await expectEventually(
      async () => (await api.payment(placed.orderId)).body,
      (body: { status: string; refunds: unknown[] }) => ['REFUNDED', 'VOIDED'].includes(body.status),
    );
    if (payment.status === 'REFUNDED') expect(payment.refunds).toEqual([expect.objectContaining({ amountCents: order.totalCents })]);
    expect((await api.book(book.id)).stock).toBe(1);
  });

  it('times out an order nobody decides and says so', async () => {
    const quick = await startTestStack({ env: { ORDER_DEADLINE_SECONDS: '1', ORDER_DEADLINE_SWEEP_MS: '200' } });
    try {
      const book = await quick.api.addBook();
      const card = await quick.api.registerCard();
      // Payments is stopped, so the payment never settles and the order runs into its deadline.
      await quick.running.payments.stop();
      const placed = await quick.api.placeOrder([{ bookId: book.id, quantity: 1 }], card);
      const order = await quick.api.settledOrder(placed.orderId, placed.accessToken);
      expect(order).toMatchObject({ status: 'CANCELLED', reason: 'timeout' });
      await expectEventually(async () => (await quick.api.book(book.id)).stock, 10);
    } finally {
      await quick.stop();
    }
  });
});

/** Polls until `read` gives `expected` (or a value `expected` accepts); returns that value. */
async function expectEventually<T>(read: () => Promise<T>, expected: T | ((value: T) => boolean), timeoutMs = 15_000): Promise<T> {
  const matches = typeof expected === 'function' ? (expected as (value: T) => boolean) : (value: T) => value === expected;
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!matches(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  expect(matches(value) ? expected : value).toEqual(expected);
  return value;
}

/** Catalog reads revalidate cheaply; an order's status is never stored anywhere. */
describe("an order's access token", () => {
  it('is stored nowhere, in no form, and a replayed Idempotency-Key gets the same one back', async () => {
    const book = await api.addBook({ stock: 5, priceCents: 1250 });
    const card = await api.registerCard(cards.good);
    const headers = { 'Idempotency-Key': randomUUID() };
    const placed = await api.placeOrder([{ bookId: book.id, quantity: 1 }], card, headers);
    expect(await api.placeOrder([{ bookId: book.id, quantity: 1 }], card, headers)).toEqual(placed);
    expect(await api.settledOrder(placed.orderId, placed.accessToken)).toMatchObject({ status: 'CONFIRMED' });

    // As given, and as the hash the orders table used to keep.
    const forms = [placed.accessToken, createHash('sha256').update(placed.accessToken).digest('hex')];
    const found: string[] = [];
    for (const service of serviceNames) {
      const url = stack.databaseUrls[service];
      const tables = await query<{ name: string }>(url, `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`);
      expect(tables.length).toBeGreaterThan(3);
      for (const { name } of tables) {
        const rows = await query(url, `SELECT 1 FROM ${name} AS row WHERE strpos(row::text, $1) > 0 OR strpos(row::text, $2) > 0`, forms);
        if (rows.length > 0) found.push(`${service}: ${name}`);
      }
    }
    expect(found).toEqual([]);
  });
});

describe('HTTP caching through the gateway', () => {
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${stack.gatewayUrl}${path}`, { headers });
  // As a browser revalidates its copy. (fetch adds `Cache-Control: no-cache` to a request carrying If-None-Match
  // unless it has a Cache-Control of its own, and that asks the server for a full answer.)
  const revalidate = (path: string, etag: string) => get(path, { 'if-none-match': etag, 'cache-control': 'max-age=0' });

  it('answers a revalidation of a catalog read with 304 until the catalog changes', async () => {
    // A title of its own, so that nothing else this file does changes the page between two reads.
    const title = `Cached ${Date.now()}`;
    const book = await api.addBook({ stock: 2, title });
    for (const read of [`/api/catalog/books?q=${encodeURIComponent(title)}`, `/api/catalog/books/${book.id}`]) {
      const first = await get(read);
      expect(first.status).toBe(200);
      expect(JSON.stringify(await first.json())).toContain(book.id);
      expect(first.headers.get('cache-control')).toBe('no-cache');
      const etag = first.headers.get('etag')!;
      expect(etag).toBeTruthy();
      const again = await revalidate(read, etag);
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
    }
    const before = (await get(`/api/catalog/books/${book.id}`)).headers.get('etag')!;
    await api.admin('POST', `/api/catalog/books/${book.id}/restock`, { quantity: 1 });
    expect((await revalidate(`/api/catalog/books/${book.id}`, before)).status).toBe(200);
  });

  it("never lets an order's status be stored", async () => {
    const book = await api.addBook({ stock: 1 });
    const placed = await api.placeOrder([{ bookId: book.id, quantity: 1 }], await api.registerCard(cards.good));
    const read = await get(`/api/orders/${placed.orderId}`, { authorization: `Bearer ${placed.accessToken}` });
    expect(read.status).toBe(200);
    expect(read.headers.get('cache-control')).toBe('no-store');
  });
});
