import { claimEvent } from '@bookstore/kit';
import { sagaInputOf, type SagaEvent } from '../domain/order-saga';
import type { OrdersDb } from '../infrastructure/database';
import { advanceOrder } from './advance-order';

/**
 * Applies what Catalog or Payments reported to the order it names. A duplicate event is skipped by the inbox;
 * an event for an order Orders never stored is an error, retried and then dead-lettered, since it means the
 * outbox and the queue disagree.
 */
export async function applySagaEvent(db: OrdersDb, event: SagaEvent): Promise<void> {
  await db.$transaction(async (tx) => {
    if (!(await claimEvent(tx, event))) return;
    await advanceOrder(tx, event.data.orderId, sagaInputOf(event), event);
  });
}
