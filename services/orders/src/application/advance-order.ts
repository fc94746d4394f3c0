import { contracts, type AnyEvent } from '@bookstore/events';
import { encodeOutbox, insertOutboxSql, preparedStatement } from '@bookstore/kit';
import type pg from 'pg';
import { advance, type SagaInput, type SagaOutcome, type SagaState } from '../domain/order-saga';

/*
 * What the saga's handlers (apply-saga-event.ts, cancel-overdue-orders.ts) share: each locks and reads the orders
 * it moves in one statement, advances them here in JS, and writes them all back in one more (issue 13: every
 * statement is a round trip and a socket write).
 */

/** The select list of a lock statement: an order's saga state, as `advance` takes it. */
export const sagaStateColumns = `status::text AS status, inventory::text AS inventory, payment::text AS payment,
  cancel_reason AS "cancelReason", decline_code AS "declineCode"`;

/** One order moved one step: its new state, what its timeline gains (in order) and the decision it emits, if any. */
export interface OrderAdvance {
  orderId: string;
  state: SagaState;
  timeline: string[];
  decision: AnyEvent | null;
}

/**
 * Advances a locked order by one input: the state machine's next state, the timeline entries (the cause, then the
 * decision) and the decision itself when the order is decided. `cause` is the event being applied, or null for the
 * deadline, which the timeline shows only as the cancellation.
 */
export function advanceOrder(orderId: string, current: SagaState, input: SagaInput, cause: AnyEvent | null): OrderAdvance {
  const { state, outcome } = advance(current, input);
  const decision = outcome ? decisionEvent(orderId, outcome, cause) : null;
  const timeline = [cause?.type, decision?.type].flatMap((type) => (type ? [type] : []));
  return { orderId, state, timeline, decision };
}

/** OrderConfirmed or OrderCancelled, caused by the event that decided the order (none for the deadline). */
function decisionEvent(orderId: string, outcome: SagaOutcome, cause: AnyEvent | null): AnyEvent {
  const origin = { correlationId: orderId, causationId: cause?.id ?? null };
  return outcome.type === 'OrderConfirmed'
    ? contracts.OrderConfirmed.create({ orderId }, origin)
    : contracts.OrderCancelled.create({ orderId, reason: outcome.reason }, origin);
}

const storeAdvancesStatement = preparedStatement(
  'orders.store-advances',
  `WITH recorded AS (
       INSERT INTO order_timeline (order_id, type, at)
       SELECT entry.order_id, entry.type, $7::timestamptz
       FROM unnest($8::uuid[], $9::text[]) WITH ORDINALITY AS entry(order_id, type, position)
       ORDER BY entry.position
     ),
     published AS (${insertOutboxSql('$10')})
     UPDATE orders SET status = next.status::"OrderStatus", inventory = next.inventory::"InventoryStep",
       payment = next.payment::"PaymentStep", cancel_reason = next.cancel_reason, decline_code = next.decline_code,
       updated_at = $7::timestamptz,
       decided_at = CASE WHEN orders.status = 'PENDING' AND next.status <> 'PENDING' THEN $7::timestamptz ELSE orders.decided_at END
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
       AS next(id, status, inventory, payment, cancel_reason, decline_code)
     WHERE orders.id = next.id`,
);

/**
 * The one write of a saga handler, on orders its lock statement locked: their new states, their timeline entries
 * and their decisions in the outbox, in one statement whatever the number of orders; returns the decisions, to be
 * dispatched once the transaction commits. The timeline's CTE inserts in
 * the order the entries are listed (ORDER BY position), so their ids, which break ties of `at`, follow it. `at` is
 * the worker's clock now that the locks are held, as Prisma's `@default(now())` set it before (not the database's
 * now(), the start of a transaction that may have waited for a lock); it also stamps `updated_at`, as `@updatedAt` did,
 * and `decided_at` when an order leaves PENDING.
 */
export async function storeAdvances(client: pg.ClientBase, advances: readonly OrderAdvance[]): Promise<AnyEvent[]> {
  const decisions = advances.flatMap(({ decision }) => (decision ? [decision] : []));
  const entries = advances.flatMap(({ orderId, timeline }) => timeline.map((type) => ({ orderId, type })));
  await client.query(
    storeAdvancesStatement.with([
      advances.map(({ orderId }) => orderId),
      advances.map(({ state }) => state.status),
      advances.map(({ state }) => state.inventory),
      advances.map(({ state }) => state.payment),
      advances.map(({ state }) => state.cancelReason),
      advances.map(({ state }) => state.declineCode),
      new Date(),
      entries.map(({ orderId }) => orderId),
      entries.map(({ type }) => type),
      encodeOutbox(decisions),
    ]),
  );
  return decisions;
}
