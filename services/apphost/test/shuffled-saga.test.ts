import { migrationsDir as catalogMigrations } from '@bookstore/catalog';
import { addBook, catalogEventHandlers, createCatalogDb } from '@bookstore/catalog/testing';
import { consumers, type AnyEvent, type Consumer } from '@bookstore/events';
import { createPool } from '@bookstore/kit';
import { createTestDatabase, DispatchSpy, query, seededRandom, testLogger } from '@bookstore/kit/testing';
import { migrationsDir as ordersMigrations } from '@bookstore/orders';
import { createOrdersDb, ordersEventHandlers, placeOrder, testAccessTokens } from '@bookstore/orders/testing';
import { migrationsDir as paymentsMigrations } from '@bookstore/payments';
import { createPaymentsDb, paymentsEventHandlers, registerCard, simulatedProvider } from '@bookstore/payments/testing';
import { checkInvariants } from '../src/testing';

/**
 * The whole choreography with the transport taken out: the services' real handlers on real databases,
 * and a "bus" that delivers every event from the outboxes to every subscriber twice, in a random order
 * across all hops of the saga. Whatever the order, the end state must be consistent.
 */
const urls = {} as Record<Consumer, string>;
const pools: ReturnType<typeof createPool>[] = [];
let catalog: ReturnType<typeof createCatalogDb>;
let orders: ReturnType<typeof createOrdersDb>;
let payments: ReturnType<typeof createPaymentsDb>;
let handlers: Record<Consumer, Record<string, (event: AnyEvent) => Promise<void>>>;
/** What each service's use cases handed over to be published once committed. */
const dispatched = { catalog: new DispatchSpy(), orders: new DispatchSpy(), payments: new DispatchSpy() } satisfies Record<Consumer, DispatchSpy>;

beforeAll(async () => {
  urls.catalog = await createTestDatabase('catalog', catalogMigrations);
  urls.orders = await createTestDatabase('orders', ordersMigrations);
  urls.payments = await createTestDatabase('payments', paymentsMigrations);
  const pool = (url: string) => pools[pools.push(createPool(url, testLogger())) - 1]!;
  catalog = createCatalogDb(pool(urls.catalog), dispatched.catalog);
  orders = createOrdersDb(pool(urls.orders), dispatched.orders);
  payments = createPaymentsDb(pool(urls.payments), dispatched.payments);
  handlers = {
    catalog: catalogEventHandlers(catalog),
    orders: ordersEventHandlers(orders),
    payments: paymentsEventHandlers(payments, simulatedProvider(payments.pool)),
  } as unknown as typeof handlers;
});
afterAll(async () => {
  await Promise.all([catalog.$disconnect(), orders.$disconnect(), payments.$disconnect()]);
  await Promise.all(pools.map((pool) => pool.end()));
});

/** Delivers until nothing is left: each new outbox event goes, twice, to each queue subscribed to its type. */
async function runBus(random: () => number, delivered: Set<string>): Promise<void> {
  const pending: { consumer: Consumer; event: AnyEvent }[] = [];
  const collect = async () => {
    for (const url of Object.values(urls)) {
      for (const { payload } of await query<{ payload: AnyEvent }>(url, 'SELECT payload FROM outbox_events')) {
        if (delivered.has(payload.id)) continue;
        delivered.add(payload.id);
        for (const [consumer, { consumes }] of Object.entries(consumers) as [Consumer, { consumes: readonly string[] }][]) {
          if (consumes.includes(payload.type)) pending.push({ consumer, event: payload }, { consumer, event: payload });
        }
      }
    }
  };
  await collect();
  while (pending.length > 0) {
    const [{ consumer, event }] = pending.splice(Math.floor(random() * pending.length), 1) as [(typeof pending)[number]];
    await handlers[consumer][event.type]!(event);
    await collect();
  }
}

const delivered = new Set<string>();

describe.each([1, 2, 3, 4, 5, 6])('every event twice, in shuffled order (seed %i)', (seed) => {
  it('ends consistent: decided orders, stock and money conserved', async () => {
    const random = seededRandom(seed);
    const isbn = () => `978${Math.floor(random() * 1e10).toString().padStart(10, '0')}`;
    const newBook = (stock: number) => addBook(catalog, { isbn: isbn(), title: 'T', author: 'A', description: '', priceCents: 700, currency: 'EUR', stock });
    const books = { scarce: await newBook(3), single: await newBook(1), plenty: await newBook(5) };
    await runBus(random, delivered); // Orders learns the prices

    const card = async (number: string) => (await registerCard(payments, simulatedProvider(payments.pool), { cardNumber: number, expMonth: 1, expYear: 2099, cvc: '123', holderName: 'A' })).paymentMethodId;
    const [good, declined, poor] = [await card('4242424242424242'), await card('4000000000000002'), await card('4000000000009995')];
    const wanted: [keyof typeof books, number, string][] = [
      ['scarce', 1, good], ['scarce', 1, good], ['scarce', 2, good], ['single', 1, good], ['single', 1, good], ['plenty', 1, declined], ['plenty', 2, poor], ['plenty', 1, good],
    ];
    const placed = [];
    for (const [key, quantity, paymentMethodId] of wanted) {
      const { orderId } = await placeOrder(orders, { customer: { email: 'a@example.com', name: 'A' }, items: [{ bookId: books[key].id, quantity }], paymentMethodId }, { deadlineSeconds: 3600, accessTokens: testAccessTokens });
      placed.push({ orderId, bookId: books[key].id, quantity });
    }
    await runBus(random, delivered);

    const ids = placed.map(({ orderId }) => orderId);
    const initialStock = new Map(Object.values(books).map((book) => [book.id, book.stock]));
    const results = await checkInvariants({ databaseUrls: urls, initialStock, orderIds: ids });
    expect(results.filter(({ ok }) => !ok)).toEqual([]);

    // The scarce and single books cannot serve every order, and the declined cards must not be confirmed.
    const [{ confirmed }] = (await query<{ confirmed: number }>(urls.orders, `SELECT count(*)::int AS confirmed FROM orders WHERE status = 'CONFIRMED' AND id = ANY($1::uuid[])`, [ids])) as [{ confirmed: number }];
    expect(confirmed).toBeGreaterThanOrEqual(3);
    expect(confirmed).toBeLessThanOrEqual(5);

    // Each service handed over, to be published at once, exactly the events it committed: none twice, none for a
    // duplicate delivery, none missing (the relay would publish a missing one, but seconds late).
    for (const consumer of Object.keys(urls) as Consumer[]) {
      const committed = await query<{ id: string }>(urls[consumer], 'SELECT id::text FROM outbox_events ORDER BY id');
      expect(dispatched[consumer].dispatched.map(({ id }) => id).sort()).toEqual(committed.map(({ id }) => id));
    }
  });
});

describe('after the runs above', () => {
  it('the invariant check names what a broken end state breaks', async () => {
    const [cancelled, confirmed] = (await query<{ id: string }>(
      urls.orders,
      `(SELECT id::text FROM orders WHERE status = 'CANCELLED' AND payment = 'DECLINED' LIMIT 1) UNION ALL (SELECT id::text FROM orders WHERE status = 'CONFIRMED' LIMIT 1)`,
    )) as [{ id: string }, { id: string }];
    const [book] = (await query<{ id: string; stock: number }>(urls.catalog, 'SELECT id::text, stock FROM books LIMIT 1')) as [{ id: string; stock: number }];
    const [{ sold }] = (await query<{ sold: number }>(
      urls.orders,
      `SELECT coalesce(sum(quantity), 0)::int AS sold FROM order_lines JOIN orders ON id = order_id WHERE book_id = $1 AND status = 'CONFIRMED'`,
      [book.id],
    )) as [{ sold: number }];
    // The schema forbids negative stock; this throwaway database drops that guard to show the check sees it too.
    await query(urls.catalog, 'ALTER TABLE books DROP CONSTRAINT books_stock_not_negative');
    await query(urls.catalog, 'UPDATE books SET stock = -1 WHERE id = $1', [book.id]);
    await query(urls.payments, `UPDATE payments SET status = 'SETTLED' WHERE order_id = $1`, [cancelled.id]);
    await query(urls.orders, `UPDATE orders SET status = 'PENDING' WHERE id = $1`, [confirmed.id]);

    const results = await checkInvariants({ databaseUrls: urls, initialStock: new Map([[book.id, book.stock + sold]]) });
    expect(results.filter(({ ok }) => !ok).map(({ name }) => name)).toEqual([
      'every order is CONFIRMED or CANCELLED',
      'no stock count below zero',
      'stock conserved (initial = current + sold to confirmed orders)',
      'money conserved (settled - refunded = total of confirmed orders)',
      'each order charged at most once, and only a confirmed one kept',
      "the card provider holds exactly the confirmed orders' money (charged once, every cancelled charge refunded)",
    ]);
  });
});
