import { createPool, WorkInFlightError } from '@bookstore/kit';
import { createTestDatabase, eventually, query, testLogger } from '@bookstore/kit/testing';
import { randomUUID } from 'node:crypto';
import { migrationsDir } from '..';
import { createPaymentsDb, type PaymentsDb } from '../infrastructure/database';
import { IdempotencyKeyReusedError, simulatedProvider } from '../infrastructure/simulated-provider';
import { chargeOrder, paymentOfOrder, refundOrder } from './payments';
import { addTestCard, chargesAtProvider, orderCancelled as cancelled, orderPlaced as placed } from './payments.fixtures';
import type { PaymentProvider } from './provider';

let url: string;
let db: PaymentsDb;
let pool: ReturnType<typeof createPool>;
let provider: PaymentProvider;

beforeAll(async () => {
  url = await createTestDatabase('payments', migrationsDir);
  pool = createPool(url, testLogger());
  db = createPaymentsDb(pool);
  provider = simulatedProvider(pool);
});
afterAll(async () => {
  await db.$disconnect();
  await pool.end();
});

const card = (cardNumber: string) => addTestCard(db, cardNumber);
const emitted = async (orderId: string) =>
  (
    await query<{ type: string; payload: { data: Record<string, unknown> } }>(
      url,
      `SELECT type, payload FROM outbox_events WHERE payload->>'correlationId' = $1 ORDER BY created_at`,
      [orderId],
    )
  ).map(({ type, payload }) => ({ type, ...payload.data }));
const payment = (orderId: string) => db.payment.findUniqueOrThrow({ where: { orderId }, include: { refunds: true } });

describe('payments for orders', () => {
  it('settles a good card once, however often the order arrives', async () => {
    const orderId = randomUUID();
    const event = placed(orderId, await card('4242424242424242'));
    await chargeOrder(db, provider, event);
    await chargeOrder(db, provider, event);
    await chargeOrder(db, provider, placed(orderId, event.data.paymentMethodId));
    expect(await payment(orderId)).toMatchObject({ status: 'SETTLED', amountCents: 900 });
    expect(await emitted(orderId)).toEqual([expect.objectContaining({ type: 'PaymentSettled', amountCents: 900, currency: 'EUR' })]);
  });

  it.each([
    ['4000000000000002', 'card_declined'],
    ['4000000000009995', 'insufficient_funds'],
  ])('declines the test card %s with %s', async (number, declineCode) => {
    const orderId = randomUUID();
    await chargeOrder(db, provider, placed(orderId, await card(number)));
    expect(await payment(orderId)).toMatchObject({ status: 'DECLINED', declineCode });
    expect(await emitted(orderId)).toEqual([{ type: 'PaymentDeclined', orderId, declineCode }]);
  });

  it('declines a payment method it does not know', async () => {
    const orderId = randomUUID();
    await chargeOrder(db, provider, placed(orderId, 'pm_neverregistered00'));
    expect(await emitted(orderId)).toEqual([{ type: 'PaymentDeclined', orderId, declineCode: 'unknown_payment_method' }]);
  });

  it('refunds a settled payment once, however often the cancellation arrives', async () => {
    const orderId = randomUUID();
    await chargeOrder(db, provider, placed(orderId, await card('4242424242424242')));
    const cancellation = cancelled(orderId);
    await refundOrder(db, provider, cancellation);
    await refundOrder(db, provider, cancellation);
    await refundOrder(db, provider, cancelled(orderId));
    const { status, refunds } = await payment(orderId);
    expect(status).toBe('REFUNDED');
    expect(refunds.map(({ amountCents }) => amountCents)).toEqual([900]);
    expect((await emitted(orderId)).map(({ type }) => type)).toEqual(['PaymentSettled', 'PaymentRefunded']);
  });

  it('never charges an order whose cancellation arrived first', async () => {
    const orderId = randomUUID();
    await refundOrder(db, provider, cancelled(orderId));
    await chargeOrder(db, provider, placed(orderId, await card('4242424242424242')));
    expect(await payment(orderId)).toMatchObject({ status: 'VOIDED', settledAt: null, refunds: [] });
    expect(await emitted(orderId)).toEqual([]);
  });

  it('finishes a charge interrupted after the provider answered when the order comes again, charged once', async () => {
    const orderId = randomUUID();
    const event = placed(orderId, await card('4242424242424242'));
    // The process dies with the provider's answer in hand and nothing of it committed.
    const dying: PaymentProvider = {
      ...provider,
      charge: async (...request) => provider.charge(...request).then(() => Promise.reject(new Error('killed'))),
    };
    await expect(chargeOrder(db, dying, event)).rejects.toThrow('killed');
    expect(await payment(orderId)).toMatchObject({ status: 'PENDING' });

    await chargeOrder(db, provider, event);
    expect(await payment(orderId)).toMatchObject({ status: 'SETTLED', amountCents: 900 });
    expect(await chargesAtProvider(url, orderId)).toBe(1);
    expect((await emitted(orderId)).map(({ type }) => type)).toEqual(['PaymentSettled']);
  });

  it('makes a cancellation wait while the order is being charged, then refunds it', async () => {
    const orderId = randomUUID();
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const slow: PaymentProvider = {
      ...provider,
      charge: async (...request) => {
        const result = await provider.charge(...request);
        await answered;
        return result;
      },
    };
    const charging = chargeOrder(db, slow, placed(orderId, await card('4242424242424242')));
    await eventually(async () => ((await chargesAtProvider(url, orderId)) === 1 ? true : undefined));

    await expect(refundOrder(db, provider, cancelled(orderId))).rejects.toBeInstanceOf(WorkInFlightError);
    answer();
    await charging;
    await refundOrder(db, provider, cancelled(orderId));
    expect(await payment(orderId)).toMatchObject({ status: 'REFUNDED' });
  });

  it('holds no lock and no transaction open while the provider thinks', async () => {
    const orderId = randomUUID();
    const thinking = simulatedProvider(pool, { latencyMs: 1_000 });
    const charging = chargeOrder(db, thinking, placed(orderId, await card('4242424242424242')));
    await eventually(async () => ((await chargesAtProvider(url, orderId)) === 1 ? true : undefined));

    const locked = await query(url, 'SELECT 1 FROM payments WHERE order_id = $1 FOR UPDATE NOWAIT', [orderId]).then(
      () => 'free',
      (error: Error) => error.message,
    );
    expect(locked).toBe('free');
    const open = await query(url, `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`);
    expect(open).toEqual([]);
    await charging;
  });

  it('is refused by the provider when an idempotency key comes back asking for another amount', async () => {
    const orderId = randomUUID();
    const event = placed(orderId, await card('4242424242424242'));
    await provider.charge({ providerOutcome: 'approve' }, 100, orderId);
    await expect(chargeOrder(db, provider, event)).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(await payment(orderId)).toMatchObject({ status: 'PENDING' });
  });

  it('has no payment to show for an order it never heard of', async () => {
    const orderId = randomUUID();
    await expect(paymentOfOrder(db, orderId)).rejects.toMatchObject({
      kind: 'not_found',
      code: 'payment_not_found',
      message: `no payment for order ${orderId}`,
    });
  });

  it('stores no card number or CVC anywhere', async () => {
    await card('5555555555554444');
    const rows = await query(url, 'SELECT * FROM payment_methods');
    expect(JSON.stringify(rows)).not.toMatch(/5555555555554444|555555555555/);
    expect(rows[0]).not.toHaveProperty('cvc');
  });
});
