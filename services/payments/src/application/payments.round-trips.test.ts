import { recordStatements, type StatementLog, useServiceDatabase } from '@bookstore/kit/testing';
import { randomUUID } from 'node:crypto';
import { migrationsDir } from '..';
import { createPaymentsDb } from '../infrastructure/database';
import { simulatedProvider } from '../infrastructure/simulated-provider';
import { chargeOrder, refundOrder } from './payments';
import { addTestCard as card, orderCancelled as cancelled, orderPlaced as placed } from './payments.fixtures';
import type { PaymentProvider } from './provider';

/**
 * Every statement is a round trip to PostgreSQL, and on the worker a socket write (issue 13). These tests count
 * what Payments' event handlers send, BEGIN and COMMIT included, so that a slide back to a statement per row is
 * caught. Before they left Prisma: a charge 8 (settled or declined), a refund 9, voiding an order not yet placed 6,
 * a duplicate 3, an order with nothing left to do 5. Since the provider is called outside any transaction (issue 16)
 * there is no BEGIN or COMMIT: each statement commits on its own. The simulated provider's own statement runs on the
 * same pool, so it is counted too; a real provider's would be an HTTPS request instead.
 */
const database = useServiceDatabase('payments', migrationsDir, createPaymentsDb);
let log: StatementLog;
let provider: PaymentProvider;
beforeAll(() => {
  log = recordStatements(database.pool);
  provider = simulatedProvider(database.pool);
});

const charge = (event: Parameters<typeof chargeOrder>[2]) => log.sentBy(() => chargeOrder(database.db, provider, event));
const refund = (event: Parameters<typeof refundOrder>[2]) => log.sentBy(() => refundOrder(database.db, provider, event));

describe('round trips of the payment handlers', () => {
  it("settles an order in two statements of its own around the provider's: start, charge, finish", async () => {
    const sent = await charge(placed(randomUUID(), await card(database.db)));
    expect(sent).toHaveLength(3);
    expect(sent).not.toContain('BEGIN');
  });

  it('declines a card in the same three, and a payment method it does not know in two (the provider is not asked)', async () => {
    expect(await charge(placed(randomUUID(), await card(database.db, '4000000000000002')))).toHaveLength(3);
    expect(await charge(placed(randomUUID(), 'pm_neverregistered00'))).toHaveLength(2);
  });

  it('refunds a settled order in three statements, and voids an order not yet placed in one', async () => {
    const orderId = randomUUID();
    await chargeOrder(database.db, provider, placed(orderId, await card(database.db)));
    expect(await refund(cancelled(orderId))).toHaveLength(3);
    expect(await refund(cancelled(randomUUID()))).toHaveLength(1);
  });

  it('skips a duplicate, or an order with nothing left to do, in one statement', async () => {
    const orderId = randomUUID();
    const placing = placed(orderId, await card(database.db));
    const cancelling = cancelled(orderId);
    await chargeOrder(database.db, provider, placing);
    await refundOrder(database.db, provider, cancelling);
    expect(await charge(placing)).toHaveLength(1);
    expect(await refund(cancelling)).toHaveLength(1);
    expect(await charge(placed(orderId, placing.data.paymentMethodId))).toHaveLength(1);
    expect(await refund(cancelled(orderId))).toHaveLength(1);
  });

  it('sends every statement prepared, so PostgreSQL plans each once per connection', async () => {
    const orderId = randomUUID();
    await charge(placed(orderId, await card(database.db)));
    expect(log.unprepared).toEqual([]);
    await refund(cancelled(orderId));
    expect(log.unprepared).toEqual([]);
  });
});
