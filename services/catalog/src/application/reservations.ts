import { contracts, type AnyEvent, type EventOf } from '@bookstore/events';
import { claimEventSql, encodeOutbox, inTransaction, insertOutboxSql, preparedStatement } from '@bookstore/kit';
import type pg from 'pg';
import { mergeLines, shortLines, type StockLine } from '../domain/stock';
import type { CatalogDb } from '../infrastructure/database';
import type { ReservationStatus } from '../infrastructure/prisma/client';

/*
 * The two handlers run on `pg` directly, in as few statements as their guarantees allow, because every statement
 * is a round trip and a socket write (issue 13). Each is four at most: BEGIN, one statement that claims the
 * event and takes every lock the handler needs, one that writes everything (stock, reservation, outbox), COMMIT.
 * A duplicate, or an order that needs nothing done, ends after the first: three.
 *
 * The locks are always taken in the same order, reservation first, then books in id order, so concurrent
 * handlers never deadlock; and the reservation row of an order serialises its OrderPlaced and OrderCancelled.
 * The event a handler wrote is handed to the outbox's dispatcher once its transaction has committed.
 */

/**
 * Reserves stock for every line of an order, or for none. Books are locked in id order, so concurrent
 * orders never deadlock, and the CHECK constraint on stock is the last word: stock never goes below zero.
 * A cancellation that arrived first leaves a tombstone, and then nothing is reserved.
 */
export async function reserveStock(db: Pick<CatalogDb, 'pool' | 'outbox'>, event: EventOf<'OrderPlaced'>): Promise<void> {
  const { orderId } = event.data;
  const wanted = mergeLines(event.data.lines);
  const origin = { correlationId: orderId, causationId: event.id };
  const written = await inTransaction(db.pool, async (client) => {
    const placing = await lockForPlacing(client, event, wanted);
    // Not new (a duplicate, or the order already decided or cancelled): nothing to do.
    if (placing?.status !== 'PENDING') return [];

    const short = shortLines(wanted, placing.stock);
    if (short.length > 0) {
      const rejection = contracts.InventoryRejected.create({ orderId, reason: 'out_of_stock', shortLines: short }, origin);
      return settleReservation(client, { orderId, status: 'REJECTED', lines: [], stockChange: -1, event: rejection });
    }
    const reserved = contracts.InventoryReserved.create({ orderId, lines: wanted }, origin);
    return settleReservation(client, { orderId, status: 'RESERVED', lines: wanted, stockChange: -1, event: reserved });
  });
  db.outbox.dispatch(written);
}

/** Gives back what an order reserved. If the order was never seen, remembers the cancellation for later. */
export async function releaseStock(db: Pick<CatalogDb, 'pool' | 'outbox'>, event: EventOf<'OrderCancelled'>): Promise<void> {
  const { orderId } = event.data;
  const written = await inTransaction(db.pool, async (client) => {
    const cancelling = await lockForCancelling(client, event);
    // A duplicate, an order never seen (now tombstoned), rejected or already released: nothing to give back.
    if (cancelling?.status !== 'RESERVED') return [];

    const { lines } = cancelling;
    const released = contracts.InventoryReleased.create({ orderId, lines }, { correlationId: orderId, causationId: event.id });
    return settleReservation(client, { orderId, status: 'RELEASED', lines, stockChange: 1, event: released });
  });
  db.outbox.dispatch(written);
}

/**
 * The first two CTEs of both lock statements ($1 event id, $2 event type, $3 order id, $4 the status of a new
 * reservation): claim the event (kit's inbox), then, only if it is new, make sure the order has a reservation
 * row and lock it. ON CONFLICT DO UPDATE (writing the status back unchanged) rather than DO NOTHING and a
 * SELECT ... FOR UPDATE: within one statement that SELECT reads the statement's snapshot and would miss a row
 * that a concurrent handler of the same order committed meanwhile, whereas DO UPDATE always finds, locks and
 * returns the latest version of the row.
 */
const claimAndLockReservation = `
  claimed AS (${claimEventSql('$1', '$2')}),
  reservation AS (
    INSERT INTO reservations (order_id, status) SELECT $3::uuid, $4::"ReservationStatus" FROM claimed
    ON CONFLICT (order_id) DO UPDATE SET status = reservations.status
    RETURNING status, lines
  )`;

const lockForPlacingStatement = preparedStatement(
  'catalog.lock-for-placing',
  `WITH ${claimAndLockReservation},
     locked_books AS (
       SELECT id, stock FROM books
       WHERE id = ANY($5::uuid[]) AND EXISTS (SELECT FROM reservation WHERE status = 'PENDING')
       ORDER BY id FOR UPDATE
     )
     SELECT reservation.status::text AS status, locked_books.id::text AS book_id, locked_books.stock
     FROM reservation LEFT JOIN locked_books ON true`,
);

/**
 * OrderPlaced's lock statement: claims the event, creates or locks the reservation (PENDING when new), and, only
 * when it is PENDING, locks the wanted books in id order and reads their stock. The books' CTE reads the
 * reservation's, so it cannot run (and lock) before the reservation is locked. Undefined for a duplicate.
 */
async function lockForPlacing(
  client: pg.ClientBase,
  event: EventOf<'OrderPlaced'>,
  wanted: readonly StockLine[],
): Promise<{ status: ReservationStatus; stock: Map<string, number> } | undefined> {
  const { rows } = await client.query<{ status: ReservationStatus; book_id: string | null; stock: number | null }>(
    lockForPlacingStatement.with([event.id, event.type, event.data.orderId, 'PENDING', wanted.map(({ bookId }) => bookId)]),
  );
  const [first] = rows;
  if (!first) return undefined;
  const stock = new Map(rows.flatMap(({ book_id, stock }) => (book_id === null ? [] : [[book_id, stock ?? 0] as const])));
  return { status: first.status, stock };
}

const lockForCancellingStatement = preparedStatement(
  'catalog.lock-for-cancelling',
  `WITH ${claimAndLockReservation},
     locked_books AS (
       SELECT id FROM books
       WHERE id IN (
         SELECT (line->>'bookId')::uuid FROM reservation, jsonb_array_elements(reservation.lines) AS line
         WHERE reservation.status = 'RESERVED')
       ORDER BY id FOR UPDATE
     )
     SELECT status::text AS status, lines, (SELECT count(*) FROM locked_books)::int AS locked FROM reservation`,
);

/**
 * OrderCancelled's lock statement: claims the event, creates (as the tombstone CANCELLED_BEFORE_PLACED) or locks
 * the reservation, and, when it is RESERVED, locks its books in id order. Counting the locked books makes the
 * books' CTE run: a plain SELECT in WITH runs only as far as the main query reads it. Undefined for a duplicate.
 */
async function lockForCancelling(
  client: pg.ClientBase,
  event: EventOf<'OrderCancelled'>,
): Promise<{ status: ReservationStatus; lines: StockLine[] } | undefined> {
  const { rows } = await client.query<{ status: ReservationStatus; lines: StockLine[]; locked: number }>(
    lockForCancellingStatement.with([event.id, event.type, event.data.orderId, 'CANCELLED_BEFORE_PLACED']),
  );
  return rows[0];
}

const settleReservationStatement = preparedStatement(
  'catalog.settle-reservation',
  `WITH stock_moved AS (
       UPDATE books SET stock = books.stock + line.quantity * $3::int, updated_at = now()
       FROM unnest($2::uuid[], $4::int[]) AS line(book_id, quantity)
       WHERE books.id = line.book_id
       RETURNING books.id
     ),
     settled AS (
       UPDATE reservations SET status = $5::"ReservationStatus", lines = $6::jsonb, updated_at = now() WHERE order_id = $1::uuid
     ),
     published AS (${insertOutboxSql('$7')})
     SELECT count(*)::int AS moved FROM stock_moved`,
);

/**
 * The one write of a handler, on rows its lock statement locked: moves the stock of `lines` (down by their
 * quantities for a reservation, back up for a release, not at all for a rejection, whose lines are empty),
 * records the reservation's new status and lines, and stores the event in the outbox. One statement of three
 * CTEs, as they touch different tables and need nothing from each other. The CHECK constraint on stock still
 * fails the statement, and so the transaction, if stock would go below zero. Returns the event it stored.
 */
async function settleReservation(
  client: pg.ClientBase,
  settlement: { orderId: string; status: ReservationStatus; lines: readonly StockLine[]; stockChange: -1 | 1; event: AnyEvent },
): Promise<AnyEvent[]> {
  const { orderId, status, lines, stockChange, event } = settlement;
  const { rows } = await client.query<{ moved: number }>(
    settleReservationStatement.with([
      orderId,
      lines.map(({ bookId }) => bookId),
      stockChange,
      lines.map(({ quantity }) => quantity),
      status,
      JSON.stringify(lines),
      encodeOutbox([event]),
    ]),
  );
  if (rows[0]?.moved !== lines.length) throw new Error(`order ${orderId}: moved the stock of ${rows[0]?.moved} books of ${lines.length}`);
  return [event];
}
