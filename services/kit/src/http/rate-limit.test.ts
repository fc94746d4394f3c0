import type { Server } from 'node:http';
import { PassThrough } from 'node:stream';
import { Router } from 'express';
import { z } from 'zod';
import { parseRateLimit } from '../config';
import { createLogger } from '../logger';
import { serviceConfigFromEnvironment } from '../runtime';
import { appendingProxy, requestFrom } from '../testing';
import { createHttpApp } from './app';
import { openApiDocument } from './openapi';
import { route, type ServiceApi } from './operation';
import type { ClientSettings } from './rate-limit';

/**
 * Per-client rate limits at the level of kit's HTTP app, behind real proxies that append the address they see to
 * X-Forwarded-For as nginx, the ALB and the gateway do, with clients on different real addresses (127.0.0.x).
 * The system test (apphost/test/rate-limits.test.ts) does the same through the gateway on the services' own routes.
 */

describe('the rate limit settings', () => {
  const required = { DATABASE_URL: 'postgres://bookstore:secret@localhost:5432/orders', ADMIN_TOKEN: 'an-admin-token-0123456789' };
  const clients = (env: Record<string, string> = {}) => serviceConfigFromEnvironment({ ...required, ...env }).clients;

  it('are on by default, behind one proxy, with limits made for shoppers', () => {
    expect(clients()).toEqual({
      trustedProxyHops: 1,
      rateLimits: { paymentMethods: { limit: 10, windowMs: 15 * 60_000 }, orders: { limit: 20, windowMs: 15 * 60_000 } },
    });
  });

  it('read <requests>/<window> with the window in seconds, minutes or hours', () => {
    expect(clients({ RATE_LIMIT_PAYMENT_METHODS: '3/30s', RATE_LIMIT_ORDERS: '100/2h', TRUSTED_PROXY_HOPS: '2' })).toEqual({
      trustedProxyHops: 2,
      rateLimits: { paymentMethods: { limit: 3, windowMs: 30_000 }, orders: { limit: 100, windowMs: 2 * 3_600_000 } },
    });
    expect(clients({ TRUSTED_PROXY_HOPS: '0' }).trustedProxyHops).toBe(0);
    expect(parseRateLimit('1/1s')).toEqual({ limit: 1, windowMs: 1_000 });
    expect(parseRateLimit('5/24h')).toEqual({ limit: 5, windowMs: 86_400_000 });
  });

  it('are off, every one of them, with RATE_LIMITS=off', () => {
    expect(clients({ RATE_LIMITS: 'off', RATE_LIMIT_ORDERS: '1/1m' })).toEqual({ trustedProxyHops: 1, rateLimits: 'off' });
  });

  it.each([
    '10',
    '10/',
    '/15m',
    '10/15',
    '0/15m',
    '10/0m',
    '-1/15m',
    '1.5/1m',
    '10/1.5m',
    '10/15d',
    '10/25h',
    '10 / 15m',
    ' 10/15m',
    'ten/15m',
    '10/15M',
    '',
  ])('refuse the limit %j, naming the variable and the format', (value) => {
    expect(parseRateLimit(value)).toBeUndefined();
    expect(() => clients({ RATE_LIMIT_ORDERS: value })).toThrow(
      /invalid configuration:[\s\S]*write <requests>\/<window>, e\.g\. 10\/15m[\s\S]*RATE_LIMIT_ORDERS/,
    );
  });

  it.each(['', 'true', 'yes', '-1', '1.5', '11', 'one'])('refuse TRUSTED_PROXY_HOPS=%j: a count of proxies, 0 to 10', (value) => {
    expect(() => clients({ TRUSTED_PROXY_HOPS: value })).toThrow(
      /TRUSTED_PROXY_HOPS must be a whole number of proxies from 0 to 10[\s\S]*TRUSTED_PROXY_HOPS/,
    );
  });

  it.each(['yes', 'false', 'OFF', ''])('refuse RATE_LIMITS=%j: on or off', (value) => {
    expect(() => clients({ RATE_LIMITS: value })).toThrow(/"on"\|"off"[\s\S]*RATE_LIMITS/);
  });
});

/** Two operations on one path prefix: one declares the payment-methods limit, the other nothing. */
const api: ServiceApi = {
  service: 'payments',
  version: '1.0.0',
  operations: {
    limited: {
      method: 'post',
      path: '/api/payments/limited',
      summary: 'Limited',
      rateLimit: 'paymentMethods',
      success: { status: 201, description: 'Done.', body: z.object({}) },
    },
    open: { method: 'post', path: '/api/payments/open', summary: 'Open', success: { status: 201, description: 'Done.', body: z.object({}) } },
  },
};

const limits = { paymentMethods: { limit: 3, windowMs: 60_000 }, orders: { limit: 3, windowMs: 60_000 } };

interface Layout {
  /** Where clients send their requests: the outermost proxy, or the API itself. */
  url: string;
  /** What the API and its rate limiter logged at warn and above. */
  logged(): string;
  close(): Promise<void>;
}

/** The API with these client settings, behind `proxies` appending proxies in a row (0: clients reach it directly). */
async function startLayout(clients: ClientSettings, proxies: number): Promise<Layout> {
  let logged = '';
  const destination = new PassThrough();
  destination.on('data', (chunk) => (logged += chunk));
  const routes = Router();
  for (const operation of Object.values(api.operations)) route(routes, operation, (_req, res) => void res.status(201).json({}));
  const server: Server = createHttpApp({
    logger: createLogger('rate-limit-test', { level: 'warn', destination }),
    routes,
    readiness: [],
    api,
    clients,
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  let url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const chain: { close(): Promise<void> }[] = [];
  for (let i = 0; i < proxies; i++) {
    const proxy = await appendingProxy(url);
    chain.push(proxy);
    url = proxy.url;
  }
  return {
    url,
    logged: () => logged,
    close: async () => {
      await Promise.all(chain.map((proxy) => proxy.close()));
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A new client address for each test, so that no two share a count. */
let lastHost = 1;
const newClient = () => `127.0.0.${++lastHost}`;

/** The statuses of `count` requests from one client, each with the X-Forwarded-For it picks (none when undefined). */
async function statuses(
  url: string,
  from: string,
  count: number,
  forwardedFor: (i: number) => string | undefined = () => undefined,
): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) {
    const spoof = forwardedFor(i);
    seen.push((await requestFrom(from, `${url}/api/payments/limited`, { headers: spoof ? { 'x-forwarded-for': spoof } : {} })).status);
  }
  return seen;
}

const spoofed = (i: number) => `198.51.100.${i + 1}`;
const overTheLimit = [201, 201, 201, 429, 429];

describe.each([
  { proxies: 1, why: 'the ALB, nginx or the gateway' },
  { proxies: 2, why: 'say, a CDN in front of the ALB' },
])('behind $proxies appending prox(ies) ($why) with TRUSTED_PROXY_HOPS=$proxies', ({ proxies }) => {
  let layout: Layout;
  beforeAll(async () => {
    layout = await startLayout({ trustedProxyHops: proxies, rateLimits: limits }, proxies);
  });
  afterAll(() => layout.close());

  it('a client gets 429 after its limit, whatever X-Forwarded-For it sends, a new one on every request', async () => {
    expect(await statuses(layout.url, newClient(), 5, spoofed)).toEqual(overTheLimit);
  });

  it('a client that writes a whole chain of addresses is not believed either', async () => {
    const chain = (i: number) => Array.from({ length: proxies + 1 }, (_, hop) => `192.0.2.${i * 4 + hop + 1}`).join(', ');
    expect(await statuses(layout.url, newClient(), 5, chain)).toEqual(overTheLimit);
  });

  it('clients at different addresses are counted apart', async () => {
    const [first, second] = [newClient(), newClient()];
    expect(await statuses(layout.url, first, 4)).toEqual([201, 201, 201, 429]);
    expect(await statuses(layout.url, second, 3)).toEqual([201, 201, 201]);
  });

  it('express-rate-limit finds nothing wrong with the trust proxy setting (its checks log nothing)', () => {
    expect(layout.logged()).not.toMatch(/ERR_ERL_|WRN_ERL_|express-rate-limit/);
  });
});

describe('an API clients reach directly, with TRUSTED_PROXY_HOPS=0', () => {
  let layout: Layout;
  beforeAll(async () => {
    layout = await startLayout({ trustedProxyHops: 0, rateLimits: limits }, 0);
  });
  afterAll(() => layout.close());

  it('counts each client by its own address and believes no X-Forwarded-For', async () => {
    expect(await statuses(layout.url, newClient(), 5, spoofed)).toEqual(overTheLimit);
    expect(await statuses(layout.url, newClient(), 1)).toEqual([201]);
  });

  it('lets express-rate-limit say that an X-Forwarded-For arrived, the sign of a proxy nobody counted', () => {
    expect(layout.logged()).toMatch(/ERR_ERL_UNEXPECTED_X_FORWARDED_FOR/);
  });
});

describe('the answers of a rate-limited operation', () => {
  let layout: Layout;
  beforeAll(async () => {
    layout = await startLayout({ trustedProxyHops: 1, rateLimits: limits }, 1);
  });
  afterAll(() => layout.close());

  it("carry the IETF draft-8 RateLimit headers, and beyond the limit a 429 with Retry-After and kit's JSON error", async () => {
    const from = newClient();
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await requestFrom(from, `${layout.url}/api/payments/limited`));
    expect(replies.map(({ headers }) => headers.ratelimit)).toEqual(
      [2, 1, 0, 0].map((left) => expect.stringMatching(new RegExp(`^"payment-methods"; r=${left}; t=(60|59)$`))),
    );
    expect(replies[0]!.headers['ratelimit-policy']).toMatch(/^"payment-methods"; q=3; w=60; pk=:[A-Za-z0-9+/=]+:$/);
    const refused = replies[3]!;
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(59);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(refused.body).toEqual({
      error: {
        code: 'rate_limited',
        message: expect.stringMatching(
          /^too many card registrations from your address: at most 3 every 1 minute; try again in (60 seconds|1 minute)$/,
        ),
        details: { limit: 3, windowSeconds: 60, retryAfterSeconds: Number(refused.headers['retry-after']) },
      },
    });
    expect(Object.keys(refused.headers).filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
  });

  it('count refused requests as well: a malformed one uses up the allowance like any other', async () => {
    const from = newClient();
    // A JSON string, not an object: the body parser refuses it, after the limiter has counted it.
    const malformed = await requestFrom(from, `${layout.url}/api/payments/limited`, { body: 'not an object' });
    expect([malformed.status, malformed.body.error.code, malformed.headers.ratelimit]).toEqual([
      400,
      'malformed_json',
      expect.stringMatching(/ r=2;/),
    ]);
    expect((await requestFrom(from, `${layout.url}/api/payments/limited`)).headers.ratelimit).toMatch(/ r=1;/);
  });

  it('leave operations without a limit alone: no headers, never a 429', async () => {
    const from = newClient();
    for (let i = 0; i < 6; i++) {
      const reply = await requestFrom(from, `${layout.url}/api/payments/open`);
      expect([reply.status, reply.headers.ratelimit, reply.headers['ratelimit-policy']]).toEqual([201, undefined, undefined]);
    }
  });
});

describe('RATE_LIMITS=off', () => {
  let layout: Layout;
  beforeAll(async () => {
    layout = await startLayout({ trustedProxyHops: 1, rateLimits: 'off' }, 1);
  });
  afterAll(() => layout.close());

  it('lets every request through, without RateLimit headers', async () => {
    const from = newClient();
    for (let i = 0; i < 6; i++) {
      const reply = await requestFrom(from, `${layout.url}/api/payments/limited`);
      expect([reply.status, reply.headers.ratelimit]).toEqual([201, undefined]);
    }
  });
});

describe('the OpenAPI document', () => {
  const document = openApiDocument(api) as unknown as {
    paths: Record<string, { post: { responses: Record<string, { headers?: Record<string, { required?: boolean }> }> } }>;
  };

  it('documents the 429 with Retry-After and the RateLimit headers for the rate-limited operation, and only there', () => {
    const limited = document.paths['/api/payments/limited']!.post.responses;
    expect(Object.keys(limited['429']!.headers!)).toEqual(['Retry-After', 'RateLimit-Policy', 'RateLimit']);
    expect(Object.entries(limited['201']!.headers!).map(([name, header]) => [name, header.required ?? false])).toEqual([
      ['RateLimit-Policy', false],
      ['RateLimit', false],
    ]);
    const open = document.paths['/api/payments/open']!.post.responses;
    expect(open['429']).toBeUndefined();
    expect(open['201']!.headers).toBeUndefined();
  });
});
