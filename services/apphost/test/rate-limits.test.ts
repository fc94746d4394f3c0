import { PassThrough } from 'node:stream';
import { createLogger } from '@bookstore/kit';
import { requestFrom, type AddressedReply } from '@bookstore/kit/testing';
import { cards } from '../src/testing';
import { startTestStack, type TestStack } from './support/stack';

/**
 * The per-client rate limits, through the gateway like a shopper: card registrations and orders beyond their limit
 * answer 429, a forged X-Forwarded-For does not get a client a fresh allowance, and clients at different addresses
 * (connections from 127.0.0.x, which the gateway appends to X-Forwarded-For as the ALB does) are counted apart.
 */

let stack: TestStack;
let logged = '';
/** A new client address for each test, so that no two share a count (the gateway itself is on 127.0.0.1). */
let lastHost = 10;
const newClient = () => `127.0.0.${++lastHost}`;

const card = { cardNumber: cards.good, expMonth: 12, expYear: new Date().getFullYear() + 2, cvc: '123', holderName: 'Ada Lovelace' };

beforeAll(async () => {
  const destination = new PassThrough();
  destination.on('data', (chunk) => (logged += chunk));
  stack = await startTestStack({
    env: { RATE_LIMITS: 'on', RATE_LIMIT_PAYMENT_METHODS: '3/1m', RATE_LIMIT_ORDERS: '2/1m' },
    logger: createLogger('stack', { level: 'warn', destination }),
  });
});
afterAll(() => stack?.stop());

const registerCard = (from: string, headers: Record<string, string> = {}) =>
  requestFrom(from, `${stack.gatewayUrl}/api/payments/methods`, { body: card, headers });

async function times(count: number, send: (i: number) => Promise<AddressedReply>): Promise<AddressedReply[]> {
  const replies: AddressedReply[] = [];
  for (let i = 0; i < count; i++) replies.push(await send(i));
  return replies;
}

const statusesOf = (replies: AddressedReply[]) => replies.map(({ status }) => status);

describe('card registrations (RATE_LIMIT_PAYMENT_METHODS=3/1m)', () => {
  it('answer 429 with the JSON error, Retry-After and the RateLimit headers after the third from one client', async () => {
    const from = newClient();
    const replies = await times(4, () => registerCard(from));
    expect(statusesOf(replies)).toEqual([201, 201, 201, 429]);
    expect(replies.map(({ headers }) => headers.ratelimit)).toEqual(
      [2, 1, 0, 0].map((left) => expect.stringMatching(new RegExp(`^"payment-methods"; r=${left}; t=\\d+$`))),
    );
    const refused = replies[3]!;
    expect(refused.headers['ratelimit-policy']).toMatch(/^"payment-methods"; q=3; w=60; pk=:[A-Za-z0-9+/=]+:$/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.body).toEqual({
      error: {
        code: 'rate_limited',
        message: expect.stringMatching(/^too many card registrations from your address: at most 3 every 1 minute; try again in /),
        details: { limit: 3, windowSeconds: 60, retryAfterSeconds: Number(refused.headers['retry-after']) },
      },
    });
  });

  it('a different X-Forwarded-For on every request does not dodge the limit: it is one client all along', async () => {
    const from = newClient();
    const replies = await times(5, (i) => registerCard(from, { 'x-forwarded-for': `203.0.113.${i + 1}` }));
    expect(statusesOf(replies)).toEqual([201, 201, 201, 429, 429]);
    // The policy's partition key is the limiter's key for the client (hashed): the same one for every forged address.
    expect(new Set(replies.map(({ headers }) => headers['ratelimit-policy'])).size).toBe(1);
  });

  it('clients at different addresses are counted apart', async () => {
    const [first, second] = [newClient(), newClient()];
    const firsts = await times(4, () => registerCard(first));
    const seconds = await times(3, () => registerCard(second));
    expect([statusesOf(firsts), statusesOf(seconds)]).toEqual([
      [201, 201, 201, 429],
      [201, 201, 201],
    ]);
    expect(firsts[0]!.headers['ratelimit-policy']).not.toBe(seconds[0]!.headers['ratelimit-policy']);
  });
});

describe('orders (RATE_LIMIT_ORDERS=2/1m)', () => {
  it('answer 429 after the second from one client, malformed ones counted like any other', async () => {
    const from = newClient();
    const replies = await times(3, (i) =>
      requestFrom(from, `${stack.gatewayUrl}/api/orders`, {
        body: { items: [] },
        headers: { 'idempotency-key': `00000000-0000-4000-8000-00000000000${i}`, 'x-forwarded-for': `203.0.113.${i + 1}` },
      }),
    );
    expect(statusesOf(replies)).toEqual([400, 400, 429]);
    expect(replies[2]!.body.error).toMatchObject({
      code: 'rate_limited',
      message: expect.stringMatching(/^too many orders from your address: at most 2 every 1 minute/),
    });
    expect(replies[2]!.headers.ratelimit).toMatch(/^"orders"; r=0; t=\d+$/);
  });

  it('a client that used up its card registrations can still place its orders: each limit counts apart', async () => {
    const from = newClient();
    expect(statusesOf(await times(4, () => registerCard(from)))).toEqual([201, 201, 201, 429]);
    const order = await requestFrom(from, `${stack.gatewayUrl}/api/orders`, { body: { items: [] } });
    expect([order.status, order.headers.ratelimit]).toEqual([400, expect.stringMatching(/^"orders"; r=1;/)]);
  });
});

describe('everything else', () => {
  it('is not limited: no RateLimit headers, never a 429', async () => {
    const from = newClient();
    const replies = await times(10, () => requestFrom(from, `${stack.gatewayUrl}/api/catalog/books?q=dune`, { method: 'GET' }));
    expect(replies.map(({ status, headers }) => [status, headers.ratelimit])).toEqual(Array(10).fill([200, undefined]));
  });
});

describe("the services' logs", () => {
  it("hold nothing from express-rate-limit's configuration checks (trust proxy, the client's address), and the 429s", () => {
    expect(logged).not.toMatch(/ERR_ERL_|WRN_ERL_|express-rate-limit/);
    // Each 429 is logged, as every 4xx is.
    expect(logged).toMatch(/"statusCode":429/);
  });
});

describe('RATE_LIMITS=off', () => {
  let unlimited: TestStack;
  beforeAll(async () => {
    unlimited = await startTestStack({ env: { RATE_LIMITS: 'off', RATE_LIMIT_PAYMENT_METHODS: '1/1m', RATE_LIMIT_ORDERS: '1/1m' } });
  });
  afterAll(() => unlimited?.stop());

  it('lets every request through, without RateLimit headers', async () => {
    const from = newClient();
    const cardReplies = await times(5, () => requestFrom(from, `${unlimited.gatewayUrl}/api/payments/methods`, { body: card }));
    const orderReplies = await times(5, () => requestFrom(from, `${unlimited.gatewayUrl}/api/orders`, { body: { items: [] } }));
    expect([...cardReplies, ...orderReplies].map(({ status, headers }) => [status, headers.ratelimit])).toEqual([
      ...Array(5).fill([201, undefined]),
      ...Array(5).fill([400, undefined]),
    ]);
  });
});
