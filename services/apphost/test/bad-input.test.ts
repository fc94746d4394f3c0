import { randomUUID } from 'node:crypto';
import { eventually, query } from '@bookstore/kit/testing';
import { cards, freshIsbn, type ApiClient, type Reply } from '../src/testing';
import { adminToken, startTestStack, type TestStack } from './support/stack';

/**
 * The rule: bad input gets a clear 4xx error and loses nothing; a 5xx is a bug.
 * Every error is JSON `{error: {code, message, details?}}`.
 */

interface Book {
  id: string;
  isbn: string;
  stock: number;
}

interface Fixtures {
  book: Book;
  stockBook: Book;
  usdBook: Book;
  pricyBooks: Book[];
  /** A book outside the snapshot, for the cases that may change it while they are bugs. */
  scratchBook: Book;
  card: string;
  order: { orderId: string; accessToken: string };
}

interface OrderBody {
  customer: { email: string; name: string };
  items: { bookId: string; quantity: number }[];
  paymentMethodId: string;
}

interface RequestOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

const wrongToken = 'not-the-admin-token-9876543210';
const basicAuth = { authorization: 'Basic YWRtaW46YWRtaW4=' };
const nul = 'Ada\u0000Lovelace';

let stack: TestStack;
let api: ApiClient;
let fx: Fixtures;
let snapshot: Snapshot;
let ordersPlacedByTests = 0;

beforeAll(async () => {
  stack = await startTestStack();
  api = stack.api;
  fx = await arrangeFixtures();
  snapshot = await takeSnapshot();
});
afterAll(() => stack?.stop());

async function arrangeFixtures(): Promise<Fixtures> {
  const [book, stockBook, usdBook, scratchBook, ...pricyBooks] = await Promise.all([
    addBook(),
    addBook({ stock: 7 }),
    addBook({ currency: 'USD', stock: 1_000 }),
    addBook({ stock: 1_000_000 }),
    ...[1, 2, 3].map(() => addBook({ priceCents: 10_000_000, stock: 1_000 })),
  ]);
  await untilOrdersKnow([stockBook!, ...pricyBooks, usdBook!]);
  const card = await api.registerCard(cards.good);
  const order = await api.placeOrder([{ bookId: usdBook!.id, quantity: 1 }], card);
  return { book: book!, stockBook: stockBook!, usdBook: usdBook!, pricyBooks, scratchBook: scratchBook!, card, order };
}

async function addBook(overrides: Record<string, unknown> = {}): Promise<Book> {
  const { id } = await api.addBook(overrides);
  return (await api.request<Book>('GET', `/api/catalog/books/${id}`)).body;
}

/** Orders learns books from events; a EUR+USD order answers mixed_currencies (and places nothing) once it knows them all. */
async function untilOrdersKnow(books: Book[]): Promise<void> {
  await eventually(
    async () => {
      const reply = await api.request('POST', '/api/orders', { body: orderOf(books, 1, 'pm_0000000000') });
      return reply.body?.error?.code === 'mixed_currencies' ? true : undefined;
    },
    { what: 'Orders to learn the test books' },
  );
}

function orderOf(books: Book[], quantity = 1, paymentMethodId = fx.card): OrderBody {
  return {
    customer: { email: 'ada@example.com', name: 'Ada Lovelace' },
    items: books.map(({ id }) => ({ bookId: id, quantity })),
    paymentMethodId,
  };
}

/** Replaces `:book` and `:order` in a route with the fixtures' ids. */
function at(route: string): string {
  return route.replace(':book', fx.book.id).replace(':order', fx.order.orderId);
}

function send(method: Method, route: string, options: RequestOptions = {}): Promise<Reply> {
  return api.request(method, at(route), options);
}

function asAdmin(method: Method, route: string, body?: unknown): Promise<Reply> {
  return api.admin(method, at(route), body);
}

function expectError(reply: Reply, status: number, code: string = expect.any(String)): void {
  expect(reply).toMatchObject({ status, body: { error: { code, message: expect.any(String) } } });
}

/** An unknown key is reported on the object that holds it, with the key in the message. */
interface UnknownKey {
  path: string;
  key: string;
}

const unknownKey = (key: string, path = 'body'): UnknownKey => ({ path, key });

type Offender = string | RegExp | UnknownKey;

/** A 400 whose issues name exactly the offending field. */
function expectInvalid(reply: Reply, offender: Offender): void {
  expectError(reply, 400, 'validation_failed');
  const issues: { path: string; code: string; message: string }[] = reply.body.error.details?.issues ?? [];
  for (const issue of issues) expect(issue).toEqual({ path: expect.any(String), code: expect.any(String), message: expect.any(String) });
  const path = typeof offender === 'object' && !(offender instanceof RegExp) ? offender.path : offender;
  expect([...new Set(issues.map((issue) => issue.path))]).toEqual([typeof path === 'string' ? path : expect.stringMatching(path)]);
  if (typeof offender === 'object' && 'key' in offender) {
    expect(issues).toContainEqual(expect.objectContaining({ code: 'unrecognized_keys', message: expect.stringContaining(offender.key) }));
  }
}

interface Snapshot {
  books: number;
  bookRow: unknown;
  stockBookRow: unknown;
  paymentMethods: number;
  orders: number;
}

async function takeSnapshot(): Promise<Snapshot> {
  return {
    books: await countRows('catalog', 'books'),
    bookRow: await bookRow(fx.book.id),
    stockBookRow: await bookRow(fx.stockBook.id),
    paymentMethods: await countRows('payments', 'payment_methods'),
    orders: await countRows('orders', 'orders'),
  };
}

async function countRows(service: 'catalog' | 'orders' | 'payments', table: string): Promise<number> {
  const [row] = await query<{ count: number }>(stack.databaseUrls[service], `SELECT count(*)::int AS count FROM ${table}`);
  return row!.count;
}

async function bookRow(id: string): Promise<unknown> {
  const [row] = await query(stack.databaseUrls.catalog, 'SELECT * FROM books WHERE id = $1', [id]);
  return row;
}

const validBook = (changes: Record<string, unknown> = {}) => ({ isbn: freshIsbn(), title: 'A Book', author: 'An Author', priceCents: 1500, stock: 5, ...changes });

const validCard = (changes: Record<string, unknown> = {}) => ({
  cardNumber: cards.good,
  expMonth: 12,
  expYear: new Date().getUTCFullYear() + 2,
  cvc: '123',
  holderName: 'Ada Lovelace',
  ...changes,
});

function lastMonth(): { expMonth: number; expYear: number } {
  const now = new Date();
  const month = now.getUTCMonth();
  return month === 0 ? { expMonth: 12, expYear: now.getUTCFullYear() - 1 } : { expMonth: month, expYear: now.getUTCFullYear() };
}

describe('the catalog API', () => {
  describe('GET /api/catalog/books', () => {
    it.each([
      ['page=0', 'query.page'],
      ['page=-1', 'query.page'],
      ['page=abc', 'query.page'],
      ['page=1e9', 'query.page'],
      ['page=1.5', 'query.page'],
      ['page=', 'query.page'],
      ['page=1&page=2', 'query.page'],
      ['pageSize=0', 'query.pageSize'],
      ['pageSize=-1', 'query.pageSize'],
      ['pageSize=abc', 'query.pageSize'],
      ['pageSize=1e9', 'query.pageSize'],
      ['pageSize=101', 'query.pageSize'],
      ['pageSize=10&pageSize=20', 'query.pageSize'],
      ['q=a&q=b', 'query.q'],
      [`q=${'x'.repeat(201)}`, 'query.q'],
      ['q=%00', 'query.q'],
    ])('?%s answers 400 naming %s', async (search, path) => {
      expectInvalid(await send('GET', `/api/catalog/books?${search}`), path);
    });

    it.each(['sort=title', 'page[]=1', 'Page=1'])('the unknown parameter ?%s answers 400', async (search) => {
      expectInvalid(await send('GET', `/api/catalog/books?${search}`), unknownKey(search.split('=')[0]!, 'query'));
    });
  });

  describe('GET /api/catalog/books/:id', () => {
    it.each(['not-a-uuid', '123', `${randomUUID()}x`, '%00'])('the id %s, not a UUID, answers 404', async (id) => {
      expectError(await send('GET', `/api/catalog/books/${id}`), 404, 'book_not_found');
    });

    it('an unknown UUID answers 404', async () => {
      expectError(await send('GET', `/api/catalog/books/${randomUUID()}`), 404, 'book_not_found');
    });
  });

  describe('POST /api/catalog/books', () => {
    it.each<[string, Record<string, unknown>, Offender]>([
      ['an ISBN with a wrong check digit', { isbn: '9780306406150' }, 'body.isbn'],
      ['an ISBN of the wrong length', { isbn: '97803064061' }, 'body.isbn'],
      ['an ISBN-10 with a wrong check digit', { isbn: '0306406151' }, 'body.isbn'],
      ['an ISBN as a number', { isbn: 9780306406157 }, 'body.isbn'],
      ['no ISBN', { isbn: undefined }, 'body.isbn'],
      ['an empty title', { title: '' }, 'body.title'],
      ['a blank title', { title: '   ' }, 'body.title'],
      ['a title over 300 characters', { title: 'x'.repeat(301) }, 'body.title'],
      ['a title as a number', { title: 42 }, 'body.title'],
      ['a null title', { title: null }, 'body.title'],
      ['a title with a NUL character', { title: nul }, 'body.title'],
      ['no author', { author: undefined }, 'body.author'],
      ['a description over 5000 characters', { description: 'x'.repeat(5_001) }, 'body.description'],
      ['a negative price', { priceCents: -1 }, 'body.priceCents'],
      ['a fractional price', { priceCents: 12.5 }, 'body.priceCents'],
      ['a price as a string', { priceCents: '1500' }, 'body.priceCents'],
      ['a price over 10,000,000 cents', { priceCents: 10_000_001 }, 'body.priceCents'],
      ['a lower-case currency', { currency: 'eur' }, 'body.currency'],
      ['a four-letter currency', { currency: 'EURO' }, 'body.currency'],
      ['negative stock', { stock: -1 }, 'body.stock'],
      ['fractional stock', { stock: 1.5 }, 'body.stock'],
      ['stock as a string', { stock: '10' }, 'body.stock'],
      ['stock over 1,000,000', { stock: 1_000_001 }, 'body.stock'],
      ['an unknown field', { publisher: 'Acme' }, unknownKey('publisher')],
      ['a client-chosen id', { id: randomUUID() }, unknownKey('id')],
    ])('%s answers 400', async (_case, changes, offender) => {
      expectInvalid(await asAdmin('POST', '/api/catalog/books', validBook(changes)), offender);
    });

    it.each([
      ['an array', []],
      ['no body at all', undefined],
    ])('%s as the body answers 400', async (_case, body) => {
      expectInvalid(await asAdmin('POST', '/api/catalog/books', body), 'body');
    });

    it('an ISBN already in the catalog answers 409', async () => {
      expectError(await asAdmin('POST', '/api/catalog/books', validBook({ isbn: fx.book.isbn })), 409, 'isbn_taken');
    });

    it('the same ISBN written with hyphens answers 409', async () => {
      const hyphenated = `${fx.book.isbn.slice(0, 3)}-${fx.book.isbn.slice(3, 12)}-${fx.book.isbn.slice(12)}`;
      expectError(await asAdmin('POST', '/api/catalog/books', validBook({ isbn: hyphenated })), 409, 'isbn_taken');
    });
  });

  describe('PATCH /api/catalog/books/:id', () => {
    it.each<[string, unknown, Offender]>([
      ['an empty body', {}, 'body'],
      ['no body at all', undefined, 'body'],
      ['an array', [], 'body'],
      ['an unknown field', { publisher: 'Acme' }, unknownKey('publisher')],
      ['a stock change (restock is its own route)', { stock: 99 }, unknownKey('stock')],
      ['an ISBN change', { isbn: freshIsbn() }, unknownKey('isbn')],
      ['a negative price', { priceCents: -1 }, 'body.priceCents'],
      ['a fractional price', { priceCents: 9.99 }, 'body.priceCents'],
      ['a price as a string', { priceCents: '999' }, 'body.priceCents'],
      ['a price over 10,000,000 cents', { priceCents: 10_000_001 }, 'body.priceCents'],
      ['an empty title', { title: '' }, 'body.title'],
      ['a title with a NUL character', { title: nul }, 'body.title'],
      ['a bad currency', { currency: 'eu' }, 'body.currency'],
      ['a good title beside a bad price', { title: 'New Title', priceCents: -5 }, 'body.priceCents'],
    ])('%s answers 400', async (_case, body, offender) => {
      expectInvalid(await asAdmin('PATCH', '/api/catalog/books/:book', body), offender);
    });

    it.each([
      ['an unknown UUID', randomUUID()],
      ['an id that is not a UUID', 'not-a-uuid'],
    ])('%s answers 404', async (_case, id) => {
      expectError(await asAdmin('PATCH', `/api/catalog/books/${id}`, { title: 'New Title' }), 404, 'book_not_found');
    });

    it('a title with a lone UTF-16 surrogate answers 400 and keeps the title', async () => {
      const before = await api.book(fx.scratchBook.id);
      const reply = await send('PATCH', `/api/catalog/books/${fx.scratchBook.id}`, { body: '{"title": "Broken \\ud800 Title"}', token: adminToken });
      expectInvalid(reply, 'body.title');
      expect(await api.book(fx.scratchBook.id)).toEqual(before);
    });
  });

  describe('POST /api/catalog/books/:id/restock', () => {
    it.each<[string, unknown, Offender]>([
      ['quantity 0', { quantity: 0 }, 'body.quantity'],
      ['a negative quantity', { quantity: -5 }, 'body.quantity'],
      ['a quantity over 1,000,000', { quantity: 1_000_001 }, 'body.quantity'],
      ['a huge quantity', { quantity: 1e12 }, 'body.quantity'],
      ['a fractional quantity', { quantity: 1.5 }, 'body.quantity'],
      ['a quantity as a string', { quantity: '5' }, 'body.quantity'],
      ['a null quantity', { quantity: null }, 'body.quantity'],
      ['no quantity', {}, 'body.quantity'],
      ['an unknown field beside the quantity', { quantity: 1, note: 'x' }, unknownKey('note')],
      ['no body at all', undefined, 'body'],
    ])('%s answers 400', async (_case, body, offender) => {
      expectInvalid(await asAdmin('POST', '/api/catalog/books/:book/restock', body), offender);
    });

    it.each([
      ['an unknown UUID', randomUUID()],
      ['an id that is not a UUID', 'not-a-uuid'],
    ])('%s answers 404', async (_case, id) => {
      expectError(await asAdmin('POST', `/api/catalog/books/${id}/restock`, { quantity: 1 }), 404, 'book_not_found');
    });

    it('a restock past the largest stock the catalog can hold answers 422 and keeps the stock', async () => {
      const nearlyFull = 2_147_000_000;
      await query(stack.databaseUrls.catalog, 'UPDATE books SET stock = $2 WHERE id = $1', [fx.scratchBook.id, nearlyFull]);
      expectError(await asAdmin('POST', `/api/catalog/books/${fx.scratchBook.id}/restock`, { quantity: 1_000_000 }), 422);
      expect((await api.book(fx.scratchBook.id)).stock).toBe(nearlyFull);
    });
  });
});

describe('the payments API', () => {
  describe('POST /api/payments/methods', () => {
    it.each<[string, Record<string, unknown>, Offender]>([
      ['a card number failing the Luhn check', { cardNumber: '4242424242424241' }, 'body.cardNumber'],
      ['a card number with letters', { cardNumber: '4242abcd42424242' }, 'body.cardNumber'],
      ['a card number too short', { cardNumber: '4242' }, 'body.cardNumber'],
      ['a card number as a JSON number', { cardNumber: 4242424242424242 }, 'body.cardNumber'],
      ['an empty card number', { cardNumber: '' }, 'body.cardNumber'],
      ['a card that expired years ago', { expMonth: 1, expYear: 2020 }, 'body.expYear'],
      ['a card that expired last month', lastMonth(), 'body.expYear'],
      ['month 13', { expMonth: 13 }, 'body.expMonth'],
      ['month 0', { expMonth: 0 }, 'body.expMonth'],
      ['a month as a string', { expMonth: '12' }, 'body.expMonth'],
      ['a year past 2100', { expYear: 2101 }, 'body.expYear'],
      ['a two-digit year', { expYear: 29 }, 'body.expYear'],
      ['a CVC with letters', { cvc: 'abc' }, 'body.cvc'],
      ['a CVC of two digits', { cvc: '12' }, 'body.cvc'],
      ['a CVC as a number', { cvc: 123 }, 'body.cvc'],
      ['a blank holder name', { holderName: '  ' }, 'body.holderName'],
      ['a holder name with a NUL character', { holderName: nul }, 'body.holderName'],
      ['an unknown field', { nickname: 'work card' }, unknownKey('nickname')],
      ...(['cardNumber', 'expMonth', 'expYear', 'cvc', 'holderName'] as const).map(
        (field): [string, Record<string, unknown>, string] => [`no ${field}`, { [field]: undefined }, `body.${field}`],
      ),
    ])('%s answers 400', async (_case, changes, offender) => {
      const reply = await send('POST', '/api/payments/methods', { body: validCard(changes) });
      expectInvalid(reply, offender);
      expect(JSON.stringify(reply.body)).not.toContain(cards.good);
    });

    it('reports every bad field of a card at once', async () => {
      const reply = await send('POST', '/api/payments/methods', { body: validCard({ expMonth: 13, cvc: 'ab' }) });
      expectError(reply, 400, 'validation_failed');
      expect(reply.body.error.details.issues.map(({ path }: { path: string }) => path).sort()).toEqual(['body.cvc', 'body.expMonth']);
    });
  });

  describe('GET /api/payments/orders/:orderId', () => {
    it.each([
      ['an unknown order', () => randomUUID()],
      ['an id that is not a UUID', () => 'not-a-uuid'],
    ])('%s answers 404', async (_case, id) => {
      expectError(await asAdmin('GET', `/api/payments/orders/${id()}`), 404, 'payment_not_found');
    });
  });
});

describe('the orders API', () => {
  const top = (changes: Record<string, unknown>) => (order: OrderBody) => ({ ...order, ...changes });
  const customer = (changes: Record<string, unknown>) => (order: OrderBody) => ({ ...order, customer: { ...order.customer, ...changes } });
  const item = (changes: Record<string, unknown>) => (order: OrderBody) => ({ ...order, items: [{ ...order.items[0], ...changes }] });
  const items = (make: (bookId: string) => unknown[]) => (order: OrderBody) => ({ ...order, items: make(order.items[0]!.bookId) });

  const placeable = () => orderOf([fx.stockBook]);

  describe('POST /api/orders', () => {
    it.each<[string, (order: OrderBody) => unknown, Offender]>([
      ['no items', top({ items: [] }), 'body.items'],
      ['items missing', top({ items: undefined }), 'body.items'],
      ['items as an object', top({ items: { bookId: randomUUID(), quantity: 1 } }), 'body.items'],
      ['51 lines', top({ items: Array.from({ length: 51 }, () => ({ bookId: randomUUID(), quantity: 1 })) }), 'body.items'],
      ['quantity 0', item({ quantity: 0 }), 'body.items.0.quantity'],
      ['a negative quantity', item({ quantity: -1 }), 'body.items.0.quantity'],
      ['quantity 101', item({ quantity: 101 }), 'body.items.0.quantity'],
      ['a fractional quantity', item({ quantity: 1.5 }), 'body.items.0.quantity'],
      ['a quantity as a string', item({ quantity: '1' }), 'body.items.0.quantity'],
      ['no quantity', item({ quantity: undefined }), 'body.items.0.quantity'],
      ['a bad quantity on the second line', items((bookId) => [{ bookId, quantity: 1 }, { bookId: randomUUID(), quantity: 0 }]), 'body.items.1.quantity'],
      ['a malformed bookId', item({ bookId: 'not-a-uuid' }), 'body.items.0.bookId'],
      ['a bookId as a number', item({ bookId: 42 }), 'body.items.0.bookId'],
      ['an unknown field in an item', item({ discount: 50 }), unknownKey('discount', 'body.items.0')],
      ['a malformed email', customer({ email: 'ada-at-example.com' }), 'body.customer.email'],
      ['an email over 254 characters', customer({ email: `${'a'.repeat(250)}@example.com` }), 'body.customer.email'],
      ['no email', customer({ email: undefined }), 'body.customer.email'],
      ['a blank name', customer({ name: ' ' }), 'body.customer.name'],
      ['a name with a NUL character', customer({ name: nul }), 'body.customer.name'],
      ['an unknown field in the customer', customer({ phone: '555' }), unknownKey('phone', 'body.customer')],
      ['no customer', top({ customer: undefined }), 'body.customer'],
      ['an unknown field at the top level', top({ coupon: 'FREE' }), unknownKey('coupon')],
      ['a client-chosen total', top({ totalCents: 1 }), unknownKey('totalCents')],
      ['a paymentMethodId of another shape', top({ paymentMethodId: 'card_12345678' }), 'body.paymentMethodId'],
      ['a paymentMethodId too short', top({ paymentMethodId: 'pm_123' }), 'body.paymentMethodId'],
      ['a paymentMethodId as a number', top({ paymentMethodId: 42 }), 'body.paymentMethodId'],
      ['no paymentMethodId', top({ paymentMethodId: undefined }), 'body.paymentMethodId'],
    ])('%s answers 400', async (_case, change, offender) => {
      expectInvalid(await send('POST', '/api/orders', { body: change(placeable()) }), offender);
    });

    it.each([
      ['an array', []],
      ['no body at all', undefined],
    ])('%s as the body answers 400', async (_case, body) => {
      expectInvalid(await send('POST', '/api/orders', { body }), 'body');
    });

    it.each([
      ['longer than 200 characters', 'k'.repeat(201)],
      ['with spaces', 'my key 1'],
      ['empty', ''],
    ])('an Idempotency-Key %s answers 400', async (_case, key) => {
      const reply = await send('POST', '/api/orders', { body: placeable(), headers: { 'idempotency-key': key } });
      expectInvalid(reply, /^headers/);
    });

    it('a book the catalog does not have answers 422 unknown_books naming it', async () => {
      const missing = randomUUID();
      const reply = await send('POST', '/api/orders', { body: items((bookId) => [{ bookId, quantity: 1 }, { bookId: missing, quantity: 1 }])(placeable()) });
      expectError(reply, 422, 'unknown_books');
      expect(reply.body.error.details).toEqual({ bookIds: [missing] });
    });

    it('books priced in different currencies answer 422 mixed_currencies', async () => {
      expectError(await send('POST', '/api/orders', { body: orderOf([fx.stockBook, fx.usdBook]) }), 422, 'mixed_currencies');
    });

    it('an order whose total is more than the system can charge answers 422', async () => {
      const reply = await send('POST', '/api/orders', { body: orderOf(fx.pricyBooks, 100) });
      expectError(reply, 422);
    });

    it('one book on several lines adding up to more than 100 copies answers 422', async () => {
      const body = { ...orderOf([fx.stockBook], 60), items: [{ bookId: fx.stockBook.id, quantity: 60 }, { bookId: fx.stockBook.id, quantity: 41 }] };
      expectError(await send('POST', '/api/orders', { body }), 422, 'quantity_limit');
    });
  });

  describe('GET /api/orders/:id', () => {
    it.each<[string, () => string, () => RequestOptions]>([
      ['no token', () => fx.order.orderId, () => ({})],
      ['a wrong token', () => fx.order.orderId, () => ({ token: 'guessed-token' })],
      ['a Basic authorization header', () => fx.order.orderId, () => ({ headers: basicAuth })],
      ['the right token for an unknown order', () => randomUUID(), () => ({ token: fx.order.accessToken })],
      ['the right token with an id that is not a UUID', () => 'not-a-uuid', () => ({ token: fx.order.accessToken })],
    ])('%s answers 404', async (_case, id, options) => {
      expectError(await send('GET', `/api/orders/${id()}`, options()), 404, 'order_not_found');
    });

    it('an unknown order answers 404 even to the admin', async () => {
      expectError(await asAdmin('GET', `/api/orders/${randomUUID()}`), 404, 'order_not_found');
    });

    it('the right token answers 200', async () => {
      const reply = await send('GET', '/api/orders/:order', { token: fx.order.accessToken });
      expect(reply).toMatchObject({ status: 200, body: { orderId: fx.order.orderId } });
    });
  });

  describe('GET /api/orders (admin)', () => {
    it.each([
      ['status=pending', 'query.status'],
      ['status=SHIPPED', 'query.status'],
      ['status=PENDING&status=CONFIRMED', 'query.status'],
      ['page=0', 'query.page'],
      ['page=abc', 'query.page'],
      ['pageSize=101', 'query.pageSize'],
      ['pageSize=-1', 'query.pageSize'],
    ])('?%s answers 400 naming %s', async (search, path) => {
      expectInvalid(await asAdmin('GET', `/api/orders?${search}`), path);
    });

    it('an unknown parameter answers 400', async () => {
      expectInvalid(await asAdmin('GET', '/api/orders?email=ada@example.com'), unknownKey('email', 'query'));
    });
  });

  describe('Idempotency-Key', () => {
    const post = (body: unknown, key: string) => send('POST', '/api/orders', { body, headers: { 'idempotency-key': key } });

    it('the same key with the same body answers the same 202 and places one order', async () => {
      const key = randomUUID();
      const body = orderOf([fx.usdBook]);
      const first = await post(body, key);
      ordersPlacedByTests += 1;
      const again = await post(body, key);
      expect(first).toMatchObject({ status: 202, body: { orderId: expect.any(String), status: 'PENDING' } });
      expect(again).toEqual(first);
    });

    it('the same key with another body answers 409 and keeps the first answer', async () => {
      const key = randomUUID();
      const first = await post(orderOf([fx.usdBook]), key);
      ordersPlacedByTests += 1;
      expectError(await post(orderOf([fx.usdBook], 2), key), 409, 'idempotency_key_reused');
      expectError(await post({ ...orderOf([fx.usdBook]), customer: { email: 'eve@example.com', name: 'Eve' } }, key), 409, 'idempotency_key_reused');
      expect(await post(orderOf([fx.usdBook]), key)).toEqual(first);
    });

    it('concurrent retries with one key all answer the same 202 and place one order', async () => {
      const key = randomUUID();
      const replies = await Promise.all(Array.from({ length: 8 }, () => post(orderOf([fx.usdBook]), key)));
      ordersPlacedByTests += 1;
      expect(replies[0]).toMatchObject({ status: 202 });
      for (const reply of replies) expect(reply).toEqual(replies[0]);
    });
  });
});

describe('every route', () => {
  const bodyRoutes: [Method, string][] = [
    ['POST', '/api/catalog/books'],
    ['PATCH', '/api/catalog/books/:book'],
    ['POST', '/api/catalog/books/:book/restock'],
    ['POST', '/api/payments/methods'],
    ['POST', '/api/orders'],
  ];
  const bodyCases: [string, RequestOptions, number, string][] = [
    ['malformed JSON', { body: '{"title": ' }, 400, 'malformed_json'],
    ['a JSON string instead of an object', { body: '"a book"' }, 400, 'malformed_json'],
    ['a JSON null', { body: 'null' }, 400, 'malformed_json'],
    ['a text/plain body', { body: 'title=A Book', headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
    ['a form body', { body: 'title=A+Book', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'unsupported_media_type'],
    ['a latin1 charset', { body: '{}', headers: { 'content-type': 'application/json; charset=latin1' } }, 415, 'unsupported_charset'],
    ['an unknown content-encoding', { body: '{}', headers: { 'content-encoding': 'x-unknown' } }, 415, 'unsupported_encoding'],
    ['a body over 16 kB', { body: JSON.stringify({ padding: 'x'.repeat(17_000) }) }, 413, 'payload_too_large'],
  ];

  it.each(bodyRoutes.flatMap(([method, route]) => bodyCases.map(([name, options, status, code]) => [method, route, name, status, code, options] as const)))(
    '%s %s with %s answers %i',
    async (method, route, _case, status, code, options) => {
      expectError(await send(method, route, { ...options, token: adminToken }), status, code);
    },
  );

  const adminRoutes: [Method, string, () => unknown][] = [
    ['GET', '/api/orders', () => undefined],
    ['GET', '/api/payments/orders/:order', () => undefined],
    ['POST', '/api/catalog/books', () => validBook()],
    ['PATCH', '/api/catalog/books/:book', () => ({ title: 'Retitled' })],
    ['POST', '/api/catalog/books/:book/restock', () => ({ quantity: 5 })],
  ];
  const credentials: [string, RequestOptions, number, string][] = [
    ['no token', {}, 401, 'unauthorized'],
    ['a Basic authorization header', { headers: basicAuth }, 401, 'unauthorized'],
    ['a wrong token', { token: wrongToken }, 403, 'forbidden'],
    ['the admin token in the wrong case', { token: adminToken.toUpperCase() }, 403, 'forbidden'],
  ];

  it.each(adminRoutes.flatMap(([method, route, body]) => credentials.map(([name, options, status, code]) => [method, route, name, status, code, options, body] as const)))(
    '%s %s with %s answers %i',
    async (method, route, _case, status, code, options, body) => {
      expectError(await send(method, route, { ...options, body: body() }), status, code);
    },
  );

  it.each<[Method, string]>([
    ['GET', '/api/catalog/books/%ZZ'],
    ['PATCH', '/api/catalog/books/%ZZ'],
    ['POST', '/api/catalog/books/%ZZ/restock'],
    ['GET', '/api/orders/%ZZ'],
    ['GET', '/api/payments/orders/%ZZ'],
  ])('%s %s, an id that is not valid percent-encoding, answers 400', async (method, route) => {
    expectError(await asAdmin(method, route), 400, 'bad_request');
  });

  it.each<[Method, string]>([
    ['GET', '/api/catalog/nope'],
    ['GET', '/api/catalog'],
    ['PUT', '/api/catalog/books/:book'],
    ['DELETE', '/api/catalog/books/:book'],
    ['GET', '/api/catalog/books/:book/restock'],
    ['DELETE', '/api/orders/x'],
    ['PATCH', '/api/orders/:order'],
    ['POST', '/api/orders/:order'],
    ['GET', '/api/payments'],
    ['GET', '/api/payments/methods'],
    ['DELETE', '/api/payments/methods'],
  ])('an unknown route, %s %s, answers 404', async (method, route) => {
    expectError(await asAdmin(method, route), 404, 'route_not_found');
  });
});

describe('after all the bad input above', () => {
  it('the catalog holds the same books, unchanged', async () => {
    expect(await countRows('catalog', 'books')).toBe(snapshot.books);
    expect(await bookRow(fx.book.id)).toEqual(snapshot.bookRow);
    expect(await bookRow(fx.stockBook.id)).toEqual(snapshot.stockBookRow);
  });

  it('no card was stored', async () => {
    expect(await countRows('payments', 'payment_methods')).toBe(snapshot.paymentMethods);
  });

  it('no order was placed but the ones the tests meant to, and no stock was taken', async () => {
    expect(await countRows('orders', 'orders')).toBe(snapshot.orders + ordersPlacedByTests);
    expect((await api.book(fx.stockBook.id)).stock).toBe(fx.stockBook.stock);
  });
});
