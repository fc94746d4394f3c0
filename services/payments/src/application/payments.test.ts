import { createPool } from '@bookstore/kit';
import { createTestDatabase, query, testLogger } from '@bookstore/kit/testing';
import { randomUUID } from 'node:crypto';
import { migrationsDir } from '..';
import { createPaymentsDb, type PaymentsDb } from '../infrastructure/database';
import { simulatedProvider } from '../infrastructure/simulated-provider';
import { chargeOrder, paymentOfOrder, refundOrder } from './payments';
import { addTestCard, orderCancelled as cancelled, orderPlaced as placed } from './payments.fixtures';

let url: string;
let db: PaymentsDb;
let pool: ReturnType<typeof createPool>;

beforeAll(async () => {
  url = await createTestDatabase('payments', migrationsDir);
  pool = createPool(url, testLogger());
  db = createPaymentsDb(pool);
});
afterAll(async () => {
  await db.$disconnect();
  await pool.end();
});

const card = (cardNumber: string) => addTestCard(db, cardNumber);
const emitted = async (orderId: string) =>
  (await query<{ type: string; payload: { data: Record<string, unknown> } }>(url, `SELECT type, payload FROM outbox_events WHERE payload->>'correlationId' = $1 ORDER BY created_at`, [orderId])).map(
    ({ type, payload }) => ({ type, ...payload.data }),
  );
const payment = (orderId: string) => db.payment.findUniqueOrThrow({ where: { orderId }, include: { refunds: true } });

describe('payments for orders', () => {
  it('settles a good card once, however often the order arrives', async () => {
    const orderId = randomUUID();
    const event = placed(orderId, await card('4242424242424242'));
    await chargeOrder(db, simulatedProvider, event);
    await chargeOrder(db, simulatedProvider, event);
    await chargeOrder(db, simulatedProvider, placed(orderId, event.data.paymentMethodId));
    expect(await payment(orderId)).toMatchObject({ status: 'SETTLED', amountCents: 900 });
    expect(await emitted(orderId)).toEqual([expect.objectContaining({ type: 'PaymentSettled', amountCents: 900, currency: 'EUR' })]);
  });

  it.each([
    ['4000000000000002', 'card_declined'],
    ['4000000000009995', 'insufficient_funds'],
  ])('declines the test card %s with %s', async (number, declineCode) => {
    const orderId = randomUUID();
    await chargeOrder(db, simulatedProvider, placed(orderId, await card(number)));
    expect(await payment(orderId)).toMatchObject({ status: 'DECLINED', declineCode });
    expect(await emitted(orderId)).toEqual([{ type: 'PaymentDeclined', orderId, declineCode }]);
  });

  it('declines a payment method it does not know', async () => {
    const orderId = randomUUID();
    await chargeOrder(db, simulatedProvider, placed(orderId, 'pm_neverregistered00'));
    expect(await emitted(orderId)).toEqual([{ type: 'PaymentDeclined', orderId, declineCode: 'unknown_payment_method' }]);
  });

  it('refunds a settled payment once, however often the cancellation arrives', async () => {
    const orderId = randomUUID();
    await chargeOrder(db, simulatedProvider, placed(orderId, await card('4242424242424242')));
    const cancellation = cancelled(orderId);
    await refundOrder(db, simulatedProvider, cancellation);
    await refundOrder(db, simulatedProvider, cancellation);
    await refundOrder(db, simulatedProvider, cancelled(orderId));
    const { status, refunds } = await payment(orderId);
    expect(status).toBe('REFUNDED');
    expect(refunds.map(({ amountCents }) => amountCents)).toEqual([900]);
    expect((await emitted(orderId)).map(({ type }) => type)).toEqual(['PaymentSettled', 'PaymentRefunded']);
  });

  it('never charges an order whose cancellation arrived first', async () => {
    const orderId = randomUUID();
    await refundOrder(db, simulatedProvider, cancelled(orderId));
    await chargeOrder(db, simulatedProvider, placed(orderId, await card('4242424242424242')));
    expect(await payment(orderId)).toMatchObject({ status: 'VOIDED', settledAt: null, refunds: [] });
    expect(await emitted(orderId)).toEqual([]);
  });

  it('has no payment to show for an order it never heard of', async () => {
    const orderId = randomUUID();
    await expect(paymentOfOrder(db, orderId)).rejects.toMatchObject({ kind: 'not_found', code: 'payment_not_found', message: `no payment for order ${orderId}` });
  });

  it('stores no card number or CVC anywhere', async () => {
    await card('5555555555554444');
    const rows = await query(url, 'SELECT * FROM payment_methods');
    expect(JSON.stringify(rows)).not.toMatch(/5555555555554444|555555555555/);
    expect(rows[0]).not.toHaveProperty('cvc');
  });
});
