import { randomBytes } from 'node:crypto';
import { startStack, type Stack } from '@bookstore/apphost';
import { ApiClient, cards } from '@bookstore/apphost/testing';
import { createAwsClients, EventConsumer, resolveTopology, type AwsClients } from '@bookstore/events';
import { startTracing } from '@bookstore/kit';
import { eventually, testInfrastructure, testLogger, uniqueSuffix } from '@bookstore/kit/testing';
import { peekDeadLetters } from './dead-letters';
import type { Journey } from './journey';
import type { StuckReport } from './stuck';
import { ops, widest } from './test-cli';

/*
 * The whole system on the test PostgreSQL and emulator, with three orders as on-call meets them: one confirmed; one
 * whose OrderPlaced Payments never handled, its worker being stopped; one whose OrderPlaced Payments dead-lettered,
 * as a release of Payments without its OrderPlaced handler would (played by a consumer with no handlers).
 */

const adminToken = 'test-admin-token-0123456789';
const suffix = uniqueSuffix();
const prefix = `ops${suffix}-`;
const payments = resolveTopology(prefix).queues.find(({ consumer }) => consumer === 'payments')!;
/** The caller's trace of the confirmed order, as a browser or the ALB would send it. */
const traceId = randomBytes(16).toString('hex');
let stack: Stack;
let aws: AwsClients;
let env: NodeJS.ProcessEnv;
let sqsOptions: string[];
const orders = { confirmed: '', waitingForPayments: '', deadLettered: '' };

beforeAll(async () => {
  // Ids only, no exporter, as a service without a collector: the outbox rows get a traceparent that is not sampled.
  startTracing('ops-test');
  const { postgresUrl, awsEndpoint } = testInfrastructure();
  stack = await startStack({
    postgresUrl,
    awsEndpoint,
    topologyPrefix: prefix,
    adminToken,
    databaseSuffix: `_${suffix}`,
    ports: { catalog: 0, orders: 0, payments: 0, gateway: 0 },
    frontend: { url: 'http://127.0.0.1:9' },
    logger: testLogger(),
    // Far enough that the stuck orders stay PENDING while the tests look at them. No rate limits: placeOrder retries
    // from one address until Orders knows the new book, and every retry would count.
    env: { ORDER_DEADLINE_SECONDS: '600', RATE_LIMITS: 'off' },
  });
  aws = createAwsClients({ endpoint: awsEndpoint });
  env = {
    CATALOG_DATABASE_URL: stack.databaseUrls.catalog,
    ORDERS_DATABASE_URL: stack.databaseUrls.orders,
    PAYMENTS_DATABASE_URL: stack.databaseUrls.payments,
  };
  sqsOptions = ['--endpoint', awsEndpoint, '--prefix', prefix];

  const api = new ApiClient(stack.gatewayUrl, adminToken);
  const book = await api.addBook({ stock: 10 });
  const card = await api.registerCard(cards.good);
  const place = (headers: Record<string, string> = {}) => api.placeOrder([{ bookId: book.id, quantity: 1 }], card, headers);
  /** Places an order and waits until Orders has Catalog's answer: only Payments' is missing then. */
  const placeReserved = async () => {
    const { orderId, accessToken } = await place();
    const reserved = async () =>
      (await api.order(orderId, accessToken)).timeline.some(({ type }: { type: string }) => type === 'InventoryReserved') ? true : undefined;
    await eventually(reserved, { what: "Catalog's answer" });
    return orderId;
  };

  const confirmed = await place({ traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` });
  await api.settledOrder(confirmed.orderId, confirmed.accessToken);
  orders.confirmed = confirmed.orderId;

  await stack.running.payments.stop();
  orders.deadLettered = await placeReserved();
  const handlerless = new EventConsumer({ sqs: aws.sqs, queue: payments, handlers: {}, waitTimeSeconds: 1 });
  await handlerless.start();
  try {
    await eventually(async () => ((await peekDeadLetters(aws.sqs, payments)).length === 1 ? true : undefined), { what: 'OrderPlaced in the DLQ' });
  } finally {
    await handlerless.stop();
  }

  orders.waitingForPayments = await placeReserved();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  aws?.sns.destroy();
  aws?.sqs.destroy();
});

describe('ops order', () => {
  it('shows a confirmed order decided, with its trace and every event handled by every consumer', async () => {
    const { code, stdout, stderr } = await ops(['order', orders.confirmed, ...sqsOptions], env);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain(`Order ${orders.confirmed}\n  status    CONFIRMED\n  steps     inventory RESERVED, payment SETTLED\n`);
    expect(stdout).toContain(`  trace     ${traceId} (not sampled: in the logs only)\n  X-Ray     1-${traceId.slice(0, 8)}-${traceId.slice(8)}\n`);
    expect(stdout).toMatch(/Catalog's reservation: RESERVED \(1 line\(s\)\), updated \d\d:\d\d:\d\d\.\d{3}/);
    expect(stdout).toMatch(/Payments' payment: SETTLED, 15\.00 EUR, settled \d\d:\d\d:\d\d\.\d{3}/);
    expect(stdout).toContain('Dead letters: none');
    expect(stdout).toMatch(/Verdict \(decided\): CONFIRMED at \d\d:\d\d:\d\d, [\d.]+m?s after it was placed/);
    expect(widest(stdout)).toBeLessThanOrEqual(80);

    const journey = JSON.parse((await ops(['order', orders.confirmed, '--json', ...sqsOptions], env)).stdout) as Journey;
    // In JSON a time is an ISO string, besides null (not handled) and 'unknown'.
    const handled = (handledAt: unknown) => (typeof handledAt === 'string' && /^\d{4}-\d\d-\d\dT/.test(handledAt) ? 'handled' : handledAt);
    const handling = journey.events.map(({ type, writtenBy, publishedAt, deliveries }) => [
      type,
      writtenBy,
      publishedAt !== null,
      deliveries.map(({ consumer, handledAt }) => `${consumer} ${handled(handledAt)}`),
    ]);
    expect(handling).toEqual(
      expect.arrayContaining([
        ['OrderPlaced', 'orders', true, ['catalog handled', 'payments handled']],
        ['InventoryReserved', 'catalog', true, ['orders handled']],
        ['PaymentSettled', 'payments', true, ['orders handled']],
        ['OrderConfirmed', 'orders', expect.any(Boolean), []],
      ]),
    );
    expect(handling[0]![0]).toBe('OrderPlaced');
    expect(journey.events).toHaveLength(4);
  });

  it('names Payments and its queue when Payments has not handled OrderPlaced', async () => {
    const { code, stdout } = await ops(['order', orders.waitingForPayments, ...sqsOptions], env);
    expect(code).toBe(0);
    expect(stdout).toContain(`Order ${orders.waitingForPayments}\n  status    PENDING\n  steps     inventory RESERVED, payment PENDING\n`);
    expect(stdout).toMatch(/│ payments not yet +│/);
    expect(stdout).toContain("Payments' payment: none");
    expect(stdout).toMatch(
      new RegExp(
        `Verdict \\(stopped\\): Payments has not handled OrderPlaced, published \\d+s ago: is Payments' worker running\\? \\(${prefix}payments-queue\\); the deadline cancels it in 9m \\d\\ds\\n`,
      ),
    );
  });

  it('names the dead-letter queue and the reason when OrderPlaced was dead-lettered', async () => {
    const { code, stdout } = await ops(['order', orders.deadLettered, ...sqsOptions], env);
    expect(code).toBe(0);
    expect(stdout).toMatch(/│ payments dead-lettered +│/);
    expect(stdout).toMatch(
      new RegExp(`Dead letters:\\n  ${prefix}payments-queue-dlq, since [\\d:.]+: OrderPlaced [0-9a-f-]{36}\\n    unknown_type: `),
    );
    expect(stdout).toContain(
      `Verdict (stopped): OrderPlaced is in ${prefix}payments-queue-dlq: unknown_type: ${payments.name} has no handler for OrderPlaced; the deadline`,
    );
  });

  it('shows what it could read when a database and the queues cannot be reached, and exits with 1', async () => {
    const { code, stdout } = await ops(['order', orders.confirmed, '--endpoint', 'http://127.0.0.1:1', '--prefix', prefix], {
      ...env,
      PAYMENTS_DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:1/payments',
    });
    expect(code).toBe(1);
    expect(stdout).toContain(`Order ${orders.confirmed}\n  status    CONFIRMED\n`);
    expect(stdout).toMatch(/│ payments unknown +│/);
    expect(stdout).toContain("  not shown: what Payments' outbox holds (its database could not be read)");
    expect(stdout).toContain("Payments' payment: unknown, its database could not be read");
    expect(stdout).toContain('Dead letters: none in the queues read');
    expect(stdout).toContain('Verdict (decided): CONFIRMED at');
    expect(stdout).toContain('! payments database (127.0.0.1:1/payments): connect ECONNREFUSED 127.0.0.1:1');
    expect(stdout).toContain(`! ${payments.deadLetterQueueName} at http://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1`);
  });

  it('says when there is no such order, and exits with 1', async () => {
    const { code, stdout } = await ops(['order', '00000000-0000-4000-8000-000000000000', ...sqsOptions], env);
    expect(code).toBe(1);
    expect(stdout).toContain('Verdict (unknown): Orders has no such order');
  });
});

describe('ops stuck', () => {
  it('lists the pending orders, oldest first, each with its verdict on one line, and not the confirmed one', async () => {
    const { code, stdout } = await ops(['stuck', '--older-than', '0s', ...sqsOptions], env);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('PENDING orders placed more than 0s ago, oldest first: 2');
    expect(lines[1]).toMatch(new RegExp(`^${orders.deadLettered} +\\d+s  OrderPlaced is in ${prefix}payments-queue-dlq: unknown_type: `));
    expect(lines[2]).toMatch(new RegExp(`^${orders.waitingForPayments} +\\d+s  Payments has not handled OrderPlaced, published \\d+s ago: `));
    expect(lines[3]).toBe('One order in full: npm run ops -- order <order id>');
    expect(stdout).not.toContain(orders.confirmed);
  });

  it('--json: the report as JSON; --limit: the oldest ones, and how many there are', async () => {
    const { stdout } = await ops(['stuck', '--older-than', '0s', '--limit', '1', '--json', ...sqsOptions], env);
    const report = JSON.parse(stdout) as StuckReport;
    expect(report).toMatchObject({
      olderThanSeconds: 0,
      total: 2,
      orders: [{ orderId: orders.deadLettered, verdict: { state: 'stopped' } }],
      unreadable: [],
    });
  });

  it('finds nothing placed longer ago than the default 30 s', async () => {
    const { code, stdout } = await ops(['stuck', ...sqsOptions], env);
    expect({ code, stdout }).toEqual({ code: 0, stdout: 'No PENDING order was placed more than 30s ago.\n' });
  });
});
