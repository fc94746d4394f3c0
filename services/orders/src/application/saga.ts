import { contracts, type AnyEvent } from '@bookstore/events';
import { claimEvent, enqueueEvents } from '@bookstore/kit';
import { advance, type SagaInput, type SagaState } from '../domain/saga';
import type { OrdersDb, OrdersTx } from '../infrastructure/database';

/**
 * Applies one saga event to its order: locks the order row, advances the state machine, records the
 * step on the timeline and emits OrderConfirmed or OrderCancelled when the order is decided. A duplicate
 * event is skipped by the inbox; an event for an order Orders never stored is an error, retried and then
 * dead-lettered, since it means the outbox and the queue disagree.
 */
export async function applySagaEvent(db: OrdersDb, event: AnyEvent, input: SagaInput): Promise<void> {
  const orderId = event.correlationId;
  await db.$transaction(async (tx) => {
    if (!(await claimEvent(tx, event))) return;
    await advanceOrder(tx, orderId, input, event);
  });
}

/** Cancels orders still pending past their deadline, a batch at a time; returns how many it cancelled. */
export async function cancelOverdueOrders(db: OrdersDb, batchSize = 100): Promise<number> {
  return db.$transaction(async (tx) => {
    const overdue = await tx.$queryRaw<{ id: string }[]>`
      SELECT id::text FROM orders WHERE status = 'PENDING' AND deadline_at < now()
      ORDER BY deadline_at LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`;
    for (const { id } of overdue) await advanceOrder(tx, id, { type: 'DeadlinePassed' }, null);
    return overdue.length;
  });
}

/** `cause` is the event being applied, or null for the deadline, which the timeline shows only as the cancellation. */
async function advanceOrder(tx: OrdersTx, orderId: string, input: SagaInput, cause: AnyEvent | null): Promise<void> {
  const [current] = await tx.$queryRaw<SagaState[]>`
    SELECT status::text AS status, inventory::text AS inventory, payment::text AS payment,
           cancel_reason AS "cancelReason", decline_code AS "declineCode"
    FROM orders WHERE id = ${orderId}::uuid FOR UPDATE`;
  if (!current) throw new Error(`order ${orderId} is unknown to Orders`);

  const { state, outcome } = advance(current, input);
  const timeline = [cause?.type, outcome?.type].flatMap((type) => (type ? [{ type }] : []));
  await tx.order.update({ where: { id: orderId }, data: { ...state, timeline: { create: timeline } } });
  if (!outcome) return;
  const origin = { correlationId: orderId, causationId: cause?.id ?? null };
  await enqueueEvents(
    tx,
    outcome.type === 'OrderConfirmed'
      ? contracts.OrderConfirmed.create({ orderId }, origin)
      : contracts.OrderCancelled.create({ orderId, reason: outcome.reason }, origin),
  );
}
