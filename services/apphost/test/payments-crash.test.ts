import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { contracts, createAwsClients, EventPublisher, provisionTopology, resolveTopology } from '@bookstore/events';
import { createPool } from '@bookstore/kit';
import { createTestDatabase, eventually, query, testInfrastructure, testLogger, uniqueSuffix } from '@bookstore/kit/testing';
import { migrationsDir } from '@bookstore/payments';
import { chargesAtProvider, createPaymentsDb, registerCard, simulatedProvider } from '@bookstore/payments/testing';
import { freePort, ServiceProcess } from '../src/processes';

/**
 * Payments calls the card provider outside its transactions, with the order id as the idempotency key (issue 16).
 * Here its worker, a process of its own as on ECS, is killed with SIGKILL after the provider recorded the charge and
 * before Payments committed it (the simulated provider answers SIMULATED_PROVIDER_LATENCY_MS after recording). The
 * OrderPlaced comes back once the lease of the dead process runs out, and a new worker must settle it, with the
 * charge made exactly once.
 */
const prefix = `t${uniqueSuffix()}-`;
const logDir = mkdtempSync(path.join(os.tmpdir(), 'bookstore-payments-crash-'));
let databaseUrl: string;

const aws = createAwsClients({ endpoint: testInfrastructure().awsEndpoint });

beforeAll(async () => {
  await provisionTopology(aws, resolveTopology(prefix));
  databaseUrl = await createTestDatabase('payments', migrationsDir);
});
afterAll(() => {
  aws.sns.destroy();
  aws.sqs.destroy();
});

async function startWorker(providerLatencyMs: number): Promise<ServiceProcess> {
  const worker = new ServiceProcess({
    name: 'payments',
    role: 'worker',
    env: {
      DATABASE_URL: databaseUrl,
      AWS_ENDPOINT_URL: testInfrastructure().awsEndpoint,
      TOPOLOGY_PREFIX: prefix,
      ADMIN_TOKEN: 'payments-crash-admin-token',
      SQS_WAIT_TIME_SECONDS: '1',
      SIMULATED_PROVIDER_LATENCY_MS: String(providerLatencyMs),
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      LOG_LEVEL: 'info',
    },
    nodeFlags: [],
    logDir,
  });
  await worker.start();
  return worker;
}

async function placeOrderOnTheBus(): Promise<string> {
  const pool = createPool(databaseUrl, testLogger());
  const db = createPaymentsDb(pool);
  try {
    const card = { cardNumber: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123', holderName: 'Ada' };
    const { paymentMethodId } = await registerCard(db, simulatedProvider(pool), card);
    const orderId = randomUUID();
    const lines = [{ bookId: randomUUID(), quantity: 1, unitPriceCents: 900 }];
    const event = contracts.OrderPlaced.create({ orderId, lines, totalCents: 900, currency: 'EUR', paymentMethodId }, { correlationId: orderId });
    const { failed } = await new EventPublisher(aws.sns, prefix).publish([{ event }]);
    expect(failed).toEqual([]);
    return orderId;
  } finally {
    await db.$disconnect();
    await pool.end();
  }
}

const charges = (orderId: string) => chargesAtProvider(databaseUrl, orderId);
const paymentStatus = async (orderId: string) =>
  (await query<{ status: string }>(databaseUrl, 'SELECT status::text FROM payments WHERE order_id = $1', [orderId]))[0]?.status;
const settlements = async (orderId: string) =>
  (
    await query<{ n: number }>(
      databaseUrl,
      `SELECT count(*)::int AS n FROM outbox_events WHERE type = 'PaymentSettled' AND payload->>'correlationId' = $1`,
      [orderId],
    )
  )[0]!.n;

describe('a Payments worker killed between the charge and its commit', () => {
  it('leaves the charge made exactly once, and the restarted worker settles the order', async () => {
    const doomed = await startWorker(5_000);
    const orderId = await placeOrderOnTheBus();
    await eventually(async () => ((await charges(orderId)) === 1 ? true : undefined), { what: 'the provider to record the charge' });
    expect(await paymentStatus(orderId)).toBe('PENDING');
    await doomed.kill('SIGKILL');

    const successor = await startWorker(0);
    try {
      await eventually(async () => ((await paymentStatus(orderId)) === 'SETTLED' ? true : undefined), {
        timeoutMs: 30_000,
        what: 'the order to be settled',
      });
      expect(await charges(orderId)).toBe(1);
      expect(await settlements(orderId)).toBe(1);
    } finally {
      await successor.stop();
    }
  }, 60_000);
});
