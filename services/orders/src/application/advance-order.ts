import { contracts, type AnyEvent } from '@bookstore/events';
import { enqueueEvents } from '@bookstore/kit';
import { advance, type SagaInput, type SagaState } from '../domain/order-saga';
import type { OrdersTx } from '../infrastructure/database';

/**
 * Moves one order through its saga inside the caller's transaction: locks the order row, advances the state
 * machine, records the step on the timeline and emits OrderConfirmed or OrderCancelled when the order is decided.
 * `cause` is the event being applied, or null for the deadline, which the timeline shows only as the cancellation.
 */
export async function advanceOrder(tx: OrdersTx, orderId: string, input: SagaInput, cause: AnyEvent | null): Promise<void> {
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
