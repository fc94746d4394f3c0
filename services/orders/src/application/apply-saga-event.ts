import { claimEventSql, inTransaction, preparedStatement } from '@bookstore/kit';
import type pg from 'pg';
import { sagaInputOf, type SagaEvent, type SagaState } from '../domain/order-saga';
import type { OrdersDb } from '../infrastructure/database';
import { advanceOrder, sagaStateColumns, storeAdvances } from './advance-order';

/**
 * Applies what Catalog or Payments reported to the order it names, in four statements: BEGIN, one that claims the
 * event and locks the order, one that writes its new state, timeline and decision, COMMIT. A duplicate event is
 * skipped by the inbox after the first (three statements); an event for an order Orders never stored is an error,
 * retried and then dead-lettered, since it means the outbox and the queue disagree.
 */
export async function applySagaEvent(db: Pick<OrdersDb, 'pool' | 'outbox'>, event: SagaEvent): Promise<void> {
  const { orderId } = event.data;
  const decisions = await inTransaction(db.pool, async (client) => {
    const claim = await claimAndLockOrder(client, event);
    if (!claim) return [];
    if (!claim.current) throw new Error(`order ${orderId} is unknown to Orders`);
    return storeAdvances(client, [advanceOrder(orderId, claim.current, sagaInputOf(event), event)]);
  });
  db.outbox.dispatch(decisions);
}

const claimAndLockOrderStatement = preparedStatement(
  'orders.claim-and-lock-order',
  `WITH claimed AS (${claimEventSql('$1', '$2')}),
     locked AS (
       SELECT ${sagaStateColumns} FROM orders WHERE id = $3::uuid AND EXISTS (SELECT FROM claimed) FOR UPDATE
     )
     SELECT to_jsonb(locked) AS current FROM claimed LEFT JOIN locked ON true`,
);

/**
 * Claims the event (kit's inbox) and, only if it is new, locks and reads its order: undefined for a duplicate,
 * `current` null for an unknown order. The order is a CTE left-joined to the claim so that a new claim always
 * yields a row, with or without an order. Its FOR UPDATE waits for a concurrent handler of the same order and then
 * reads the version that handler committed (READ COMMITTED rechecks a locked row), so no step is lost.
 */
async function claimAndLockOrder(client: pg.ClientBase, event: SagaEvent): Promise<{ current: SagaState | null } | undefined> {
  const { rows } = await client.query<{ current: SagaState | null }>(claimAndLockOrderStatement.with([event.id, event.type, event.data.orderId]));
  return rows[0];
}
