import { contracts, type EventOf } from '@bookstore/events';
import { claimEvent, enqueueEvents } from '@bookstore/kit';
import { mergeLines, shortLines, type StockLine } from '../domain/stock';
import type { CatalogDb, CatalogTx } from '../infrastructure/database';
import type { ReservationStatus } from '../infrastructure/prisma/client';

/**
 * Reserves stock for every line of an order, or for none. Books are locked in id order, so concurrent
 * orders never deadlock, and the CHECK constraint on stock is the last word: stock never goes below zero.
 * A cancellation that arrived first leaves a tombstone, and then nothing is reserved.
 */
export async function reserveStock(db: CatalogDb, event: EventOf<'OrderPlaced'>): Promise<void> {
  const { orderId } = event.data;
  await db.$transaction(async (tx) => {
    if (!(await claimEvent(tx, event))) return;
    if ((await lockReservation(tx, orderId)) !== 'PENDING') return;

    const wanted = mergeLines(event.data.lines);
    const ids = wanted.map(({ bookId }) => bookId);
    const rows = await tx.$queryRaw<{ id: string; stock: number }[]>`
      SELECT id::text, stock FROM books WHERE id = ANY(${ids}::uuid[]) ORDER BY id FOR UPDATE`;
    const short = shortLines(wanted, new Map(rows.map(({ id, stock }) => [id, stock])));
    const origin = { correlationId: orderId, causationId: event.id };

    if (short.length > 0) {
      await tx.reservation.update({ where: { orderId }, data: { status: 'REJECTED' } });
      await enqueueEvents(tx, contracts.InventoryRejected.create({ orderId, reason: 'out_of_stock', shortLines: short }, origin));
      return;
    }
    for (const { bookId, quantity } of wanted) {
      await tx.book.update({ where: { id: bookId }, data: { stock: { decrement: quantity } } });
    }
    await tx.reservation.update({ where: { orderId }, data: { status: 'RESERVED', lines: wanted } });
    await enqueueEvents(tx, contracts.InventoryReserved.create({ orderId, lines: wanted }, origin));
  });
}

/** Gives back what an order reserved. If the order was never seen, remembers the cancellation for later. */
export async function releaseStock(db: CatalogDb, event: EventOf<'OrderCancelled'>): Promise<void> {
  const { orderId } = event.data;
  await db.$transaction(async (tx) => {
    if (!(await claimEvent(tx, event))) return;
    const status = await lockReservation(tx, orderId);
    if (status === 'PENDING') {
      await tx.reservation.update({ where: { orderId }, data: { status: 'CANCELLED_BEFORE_PLACED' } });
      return;
    }
    if (status !== 'RESERVED') return;

    const reservation = await tx.reservation.findUniqueOrThrow({ where: { orderId } });
    const lines = reservation.lines as unknown as StockLine[];
    for (const { bookId, quantity } of lines) {
      await tx.book.update({ where: { id: bookId }, data: { stock: { increment: quantity } } });
    }
    await tx.reservation.update({ where: { orderId }, data: { status: 'RELEASED' } });
    await enqueueEvents(tx, contracts.InventoryReleased.create({ orderId, lines }, { correlationId: orderId, causationId: event.id }));
  });
}

/**
 * Makes sure the order has a reservation row and locks it for the rest of the transaction, so that
 * OrderPlaced and OrderCancelled of the same order, however they arrive, are handled one after the other.
 */
async function lockReservation(tx: CatalogTx, orderId: string): Promise<ReservationStatus> {
  await tx.$executeRaw`INSERT INTO reservations (order_id, status) VALUES (${orderId}::uuid, 'PENDING') ON CONFLICT (order_id) DO NOTHING`;
  const [row] = await tx.$queryRaw<{ status: ReservationStatus }[]>`
    SELECT status::text AS status FROM reservations WHERE order_id = ${orderId}::uuid FOR UPDATE`;
  if (!row) throw new Error(`reservation of order ${orderId} vanished`);
  return row.status;
}
