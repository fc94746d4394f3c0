import type { OrdersDb } from '../infrastructure/database';
import { advanceOrder } from './advance-order';

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
