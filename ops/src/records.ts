import type { ServiceName } from '@bookstore/kit/platform';
import type pg from 'pg';

/*
 * What the services' databases hold about orders, read with plain SQL (the tables of services/<service>/prisma/
 * schema.prisma) and never written. Every read takes a list of order ids, so that a report on many orders reads each
 * table once.
 */

/** Orders' row of an order. */
export interface OrderRecord {
  id: string;
  status: 'PENDING' | 'CONFIRMED' | 'CANCELLED';
  cancelReason: string | null;
  declineCode: string | null;
  /** What Orders has heard from Catalog (PENDING, RESERVED, REJECTED, RELEASED) and from Payments (PENDING, SETTLED...). */
  inventory: string;
  payment: string;
  placedAt: Date;
  deadlineAt: Date;
  /** When the saga decided it (orders.decided_at, the time its timeline got the decision); null while undecided. */
  decidedAt: Date | null;
}

/** An event about an order, as its producer's outbox holds it. */
export interface OutboxRecord {
  id: string;
  type: string;
  writtenBy: ServiceName;
  /** The event's correlationId: the order's id for every event of the saga. */
  orderId: string;
  occurredAt: Date;
  /** The event that caused it, or null when a request did. */
  causationId: string | null;
  writtenAt: Date;
  /** When the outbox row was marked published, after SNS took the event: a consumer may have handled it a moment before. */
  publishedAt: Date | null;
  /** The W3C trace context of the transaction that wrote it. */
  traceparent: string | null;
}

/** Catalog's reservation of an order's stock. */
export interface ReservationRecord {
  orderId: string;
  /** PENDING, RESERVED, REJECTED, RELEASED, or CANCELLED_BEFORE_PLACED when the cancellation arrived first. */
  status: string;
  lines: { bookId: string; quantity: number }[];
  updatedAt: Date;
}

/** Payments' payment of an order, with its refunds. */
export interface PaymentRecord {
  orderId: string;
  id: string;
  /** PENDING, SETTLED, DECLINED, REFUNDED, or VOIDED when the cancellation arrived first. */
  status: string;
  amountCents: number;
  currency: string;
  declineCode: string | null;
  settledAt: Date | null;
  updatedAt: Date;
  refunds: { id: string; amountCents: number; at: Date }[];
}

export async function readOrders(client: pg.ClientBase, orderIds: string[]): Promise<OrderRecord[]> {
  const { rows } = await client.query<OrderRecord>(
    `SELECT id::text AS id, status::text AS status, cancel_reason AS "cancelReason", decline_code AS "declineCode",
       inventory::text AS inventory, payment::text AS payment, created_at AS "placedAt", deadline_at AS "deadlineAt",
       decided_at AS "decidedAt"
     FROM orders WHERE id = ANY($1::uuid[])`,
    [orderIds],
  );
  return rows;
}

/** The PENDING orders placed before `placedBefore`, oldest first, at most `limit`; and how many there are in all. */
export async function readPendingOrders(
  client: pg.ClientBase,
  placedBefore: Date,
  limit: number,
): Promise<{ orders: Pick<OrderRecord, 'id' | 'placedAt' | 'deadlineAt'>[]; total: number }> {
  const { rows } = await client.query<Pick<OrderRecord, 'id' | 'placedAt' | 'deadlineAt'> & { total: number }>(
    `SELECT id::text AS id, created_at AS "placedAt", deadline_at AS "deadlineAt", count(*) OVER ()::int AS total FROM orders
     WHERE status = 'PENDING' AND created_at < $1 ORDER BY created_at, id LIMIT $2`,
    [placedBefore, limit],
  );
  return { orders: rows.map(({ total: _, ...order }) => order), total: rows[0]?.total ?? 0 };
}

/** The events a service wrote about the orders. Its outbox keeps them once published: nothing deletes them. */
export async function readOutbox(client: pg.ClientBase, service: ServiceName, orderIds: string[]): Promise<OutboxRecord[]> {
  const { rows } = await client.query<Omit<OutboxRecord, 'writtenBy' | 'occurredAt'> & { occurredAt: string }>(
    `SELECT id::text AS id, type, payload->>'correlationId' AS "orderId", payload->>'occurredAt' AS "occurredAt",
       payload->>'causationId' AS "causationId", created_at AS "writtenAt", published_at AS "publishedAt", traceparent
     FROM outbox_events WHERE payload->>'correlationId' = ANY($1::text[])`,
    [orderIds],
  );
  return rows.map((row) => ({ ...row, writtenBy: service, occurredAt: new Date(row.occurredAt) }));
}

/** When a service handled each of the events it did (its inbox, processed_events), by event id. */
export async function readHandled(client: pg.ClientBase, eventIds: string[]): Promise<Map<string, Date>> {
  const { rows } = await client.query<{ eventId: string; processedAt: Date }>(
    'SELECT event_id::text AS "eventId", processed_at AS "processedAt" FROM processed_events WHERE event_id = ANY($1::uuid[])',
    [eventIds],
  );
  return new Map(rows.map(({ eventId, processedAt }) => [eventId, processedAt]));
}

export async function readReservations(client: pg.ClientBase, orderIds: string[]): Promise<ReservationRecord[]> {
  const { rows } = await client.query<ReservationRecord>(
    `SELECT order_id::text AS "orderId", status::text AS status, lines, updated_at AS "updatedAt" FROM reservations WHERE order_id = ANY($1::uuid[])`,
    [orderIds],
  );
  return rows;
}

export async function readPayments(client: pg.ClientBase, orderIds: string[]): Promise<PaymentRecord[]> {
  const { rows } = await client.query<Omit<PaymentRecord, 'refunds'> & { refunds: { id: string; amountCents: number; at: string }[] }>(
    `SELECT order_id::text AS "orderId", id::text AS id, status::text AS status, amount_cents AS "amountCents", currency,
       decline_code AS "declineCode", settled_at AS "settledAt", updated_at AS "updatedAt",
       (SELECT coalesce(json_agg(json_build_object('id', id, 'amountCents', amount_cents, 'at', created_at) ORDER BY created_at), '[]')
        FROM refunds WHERE refunds.order_id = payments.order_id) AS refunds
     FROM payments WHERE order_id = ANY($1::uuid[])`,
    [orderIds],
  );
  return rows.map((row) => ({ ...row, refunds: row.refunds.map((refund) => ({ ...refund, at: new Date(refund.at) })) }));
}
