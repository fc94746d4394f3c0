import { contracts } from '@bookstore/events';
import { randomUUID } from 'node:crypto';
import { applySagaEvent } from './apply-saga-event';
import { cancelOverdueOrders } from './cancel-overdue-orders';
import { replicateBook } from './catalog-replica';
import { released, reserved, settled, storedOrder } from './saga.fixtures';
import { useOrdersDatabase } from './test-support';
import { inSharedTransaction } from '@bookstore/kit';
import { recordStatements, type StatementLog } from '@bookstore/kit/testing';

/**
 * Every statement is a round trip to PostgreSQL, and on the worker a socket write (issue 13). These tests count
 * what Orders' event handlers send, BEGIN and COMMIT included, so that a slide back to a statement per row is
 * caught. Before they left Prisma: a saga event 7 (8 when it decided the order), the sweep 3 plus 5 per order,
 * a BookUpserted 4.
 */
const orders = useOrdersDatabase();
let log: StatementLog;
beforeAll(() => {
  log = recordStatements(orders.db.pool);
});

const sentBy = (work: () => Promise<unknown>) => log.sentBy(work);

describe('round trips of the saga handlers', () => {
  it('applies a saga event in four statements: BEGIN, claim and lock, write, COMMIT; whether it decides the order or not', async () => {
    const orderId = await storedOrder(orders.db.pool);
    const reporting = await sentBy(() => applySagaEvent(orders.db, reserved(orderId)));
    expect(reporting).toHaveLength(4);
    expect([reporting[0], reporting.at(-1)]).toEqual(['BEGIN', 'COMMIT']);
    expect(await sentBy(() => applySagaEvent(orders.db, settled(orderId)))).toHaveLength(4);
    expect(await sentBy(() => applySagaEvent(orders.db, released(orderId)))).toHaveLength(4);
  });

  it('skips a duplicate in three statements', async () => {
    const event = reserved(await storedOrder(orders.db.pool));
    await applySagaEvent(orders.db, event);
    expect(await sentBy(() => applySagaEvent(orders.db, event))).toHaveLength(3);
  });

  it('cancels a batch of overdue orders in four statements, and finds none in three', async () => {
    for (let order = 0; order < 3; order++) await storedOrder(orders.db.pool, -1);
    expect(await sentBy(async () => expect(await cancelOverdueOrders(orders.db)).toBe(3))).toHaveLength(4);
    expect(await sentBy(async () => expect(await cancelOverdueOrders(orders.db)).toBe(0))).toHaveLength(3);
  });

  it('replicates a book in one statement, whether the revision is new, old or a duplicate', async () => {
    const bookId = randomUUID();
    const upserted = (revision: number) =>
      contracts.BookUpserted.create({ bookId, isbn: '9780441172719', title: 'T', author: 'A', priceCents: 900, currency: 'EUR', revision }, { correlationId: bookId });
    const newer = upserted(2);
    expect(await sentBy(() => replicateBook(orders.db, newer))).toHaveLength(1);
    expect(await sentBy(() => replicateBook(orders.db, upserted(1)))).toHaveLength(1);
    expect(await sentBy(() => replicateBook(orders.db, newer))).toHaveLength(1);
  });

  it('sends every statement of a saga event but BEGIN and COMMIT prepared, so PostgreSQL plans each once per connection', async () => {
    const orderId = await storedOrder(orders.db.pool);
    await sentBy(() => applySagaEvent(orders.db, reserved(orderId)));
    expect(log.unprepared).toEqual([]);
    await sentBy(() => applySagaEvent(orders.db, settled(orderId)));
    expect(log.unprepared).toEqual([]);
  });

  it('applies a batch of saga events handled together in one transaction: BEGIN, a claim and a write per event, COMMIT', async () => {
    const [one, two] = [await storedOrder(orders.db.pool), await storedOrder(orders.db.pool)];
    const events = [reserved(one), reserved(two), settled(one)];
    const sent = await sentBy(() => inSharedTransaction(orders.db.pool, async () => {
      for (const event of events) await applySagaEvent(orders.db, event);
    }));
    expect(sent).toHaveLength(2 + 2 * events.length);
    expect([sent[0], sent.at(-1)]).toEqual(['BEGIN', 'COMMIT']);
  });
});
