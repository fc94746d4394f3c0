import { inTransaction } from '@bookstore/kit';
import type pg from 'pg';
import type { SagaState } from '../domain/order-saga';
import type { OrdersDb } from '../infrastructure/database';
import { advanceOrder, sagaStateColumns, storeAdvances } from './advance-order';

/**
 * Cancels orders still pending past their deadline, a batch at a time, in one transaction of four statements
 * whatever the batch size (three when none is overdue); returns how many it cancelled.
 */
export async function cancelOverdueOrders(db: Pick<OrdersDb, 'pool' | 'outbox'>, batchSize = 100): Promise<number> {
  const cancellations = await inTransaction(db.pool, async (client) => {
    const overdue = await lockOverdueOrders(client, batchSize);
    if (overdue.length === 0) return [];
    return storeAdvances(client, overdue.map(({ id, ...current }) => advanceOrder(id, current, { type: 'DeadlinePassed' }, null)));
  });
  db.outbox.dispatch(cancellations);
  return cancellations.length;
}

/**
 * Locks and reads a batch of overdue orders. SKIP LOCKED passes over an order a saga event (or another sweep) holds:
 * it is decided there or taken by the next sweep. An order decided while this statement waited is not returned,
 * since a locked row's new version is checked against the WHERE clause again.
 */
async function lockOverdueOrders(client: pg.ClientBase, batchSize: number): Promise<(SagaState & { id: string })[]> {
  const { rows } = await client.query<SagaState & { id: string }>(
    `SELECT id::text AS id, ${sagaStateColumns} FROM orders WHERE status = 'PENDING' AND deadline_at < now()
     ORDER BY deadline_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [batchSize],
  );
  return rows;
}
