import { recordStatements, type StatementLog, useServiceDatabase } from '@bookstore/kit/testing';
import { randomUUID } from 'node:crypto';
import { migrationsDir } from '..';
import { createPaymentsDb } from '../infrastructure/database';
import { simulatedProvider } from '../infrastructure/simulated-provider';
import { chargeOrder, refundOrder } from './payments';
import { addTestCard as card, orderCancelled as cancelled, orderPlaced as placed } from './payments.fixtures';

/**
 * Every statement is a round trip to PostgreSQL, and on the worker a socket write (issue 13). These tests count
 * what Payments' event handlers send, BEGIN and COMMIT included, so that a slide back to a statement per row is
 * caught. Before they left Prisma: a charge 8 (settled or declined), a refund 9, voiding an order not yet placed 6,
 * a duplicate 3, an order with nothing left to do 5.
 */
const database = useServiceDatabase('payments', migrationsDir, createPaymentsDb);
let log: StatementLog;
beforeAll(() => {
  log = recordStatements(database.pool);
});

const charge = (event: Parameters<typeof chargeOrder>[2]) => log.sentBy(() => chargeOrder(database.db, simulatedProvider, event));
const refund = (event: Parameters<typeof refundOrder>[2]) => log.sentBy(() => refundOrder(database.db, simulatedProvider, event));

describe('round trips of the payment handlers', () => {
  it('settles an order in four statements: BEGIN, claim and lock, write, COMMIT', async () => {
    const sent = await charge(placed(randomUUID(), await card(database.db)));
    expect(sent).toHaveLength(4);
    expect([sent[0], sent.at(-1)]).toEqual(['BEGIN', 'COMMIT']);
  });

  it('declines a card, or a payment method it does not know, in four statements too', async () => {
    expect(await charge(placed(randomUUID(), await card(database.db, '4000000000000002')))).toHaveLength(4);
    expect(await charge(placed(randomUUID(), 'pm_neverregistered00'))).toHaveLength(4);
  });

  it('refunds a settled order in four statements, and voids an order not yet placed in three', async () => {
    const orderId = randomUUID();
    await chargeOrder(database.db, simulatedProvider, placed(orderId, await card(database.db)));
    expect(await refund(cancelled(orderId))).toHaveLength(4);
    expect(await refund(cancelled(randomUUID()))).toHaveLength(3);
  });

  it('skips a duplicate, or an order with nothing left to do, in three statements', async () => {
    const orderId = randomUUID();
    const placing = placed(orderId, await card(database.db));
    const cancelling = cancelled(orderId);
    await chargeOrder(database.db, simulatedProvider, placing);
    await refundOrder(database.db, simulatedProvider, cancelling);
    expect(await charge(placing)).toHaveLength(3);
    expect(await refund(cancelling)).toHaveLength(3);
    expect(await charge(placed(orderId, placing.data.paymentMethodId))).toHaveLength(3);
    expect(await refund(cancelled(orderId))).toHaveLength(3);
  });

  it('sends every statement but BEGIN and COMMIT prepared, so PostgreSQL plans each once per connection', async () => {
    const orderId = randomUUID();
    await charge(placed(orderId, await card(database.db)));
    expect(log.unprepared).toEqual([]);
    await refund(cancelled(orderId));
    expect(log.unprepared).toEqual([]);
  });
});
