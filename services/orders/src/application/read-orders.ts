import { cancellationReason } from '@bookstore/events';
import { DomainError, preparedStatement } from '@bookstore/kit';
import type { OrderPage, OrderView } from '../api/types';
import type { OrderStatus } from '../domain/order-status';
import type { OrdersDb } from '../infrastructure/database';
import type { OrderAccessTokens } from './access-token';

const notFound = (orderId: string) => new DomainError('not_found', 'order_not_found', `no order ${orderId} for this access token`);

/** An order's row with its lines (by title) and timeline (by at, then id) as JSON arrays, in one statement. */
interface OrderRow {
  id: string;
  status: OrderStatus;
  cancelReason: string | null;
  declineCode: string | null;
  totalCents: number;
  currency: string;
  createdAt: Date;
  lines: OrderView['lines'];
  /** Timestamps in JSON come as PostgreSQL writes them, with the session's offset: made ISO (UTC) by getOrder. */
  timeline: { type: string; at: string }[];
}

const orderWithLinesAndTimeline = preparedStatement(
  'orders.order-with-lines-and-timeline',
  `
  SELECT id, status::text, cancel_reason AS "cancelReason", decline_code AS "declineCode", total_cents AS "totalCents",
    currency, created_at AS "createdAt",
    (SELECT coalesce(json_agg(json_build_object('bookId', book_id, 'title', title, 'quantity', quantity, 'unitPriceCents', unit_price_cents)
       ORDER BY title, book_id), '[]') FROM order_lines WHERE order_id = orders.id) AS lines,
    (SELECT coalesce(json_agg(json_build_object('type', type, 'at', at) ORDER BY at, id), '[]') FROM order_timeline WHERE order_id = orders.id) AS timeline
  FROM orders WHERE id = $1::uuid`,
);

/**
 * An order as its shopper sees it. Without the right access token the refusal is the same order_not_found as for an
 * order that does not exist, so a guessed id reveals nothing.
 */
export async function getOrder(
  db: Pick<OrdersDb, 'pool'>,
  orderId: string,
  access: { token?: string; admin: boolean; accessTokens: OrderAccessTokens },
): Promise<OrderView> {
  // Checked before the read: a wrong token costs no query.
  if (!access.admin && !(access.token && access.accessTokens.matches(orderId, access.token))) throw notFound(orderId);
  const { rows: [order] } = await db.pool.query<OrderRow>(orderWithLinesAndTimeline.with([orderId]));
  if (!order) throw notFound(orderId);
  return {
    orderId: order.id,
    status: order.status,
    // The column is text; the saga writes only OrderCancelled's reasons into it (domain/order-saga.ts).
    ...(order.cancelReason ? { reason: cancellationReason.parse(order.cancelReason) } : {}),
    ...(order.declineCode ? { declineCode: order.declineCode } : {}),
    lines: order.lines,
    totalCents: order.totalCents,
    currency: order.currency,
    createdAt: order.createdAt.toISOString(),
    timeline: order.timeline.map(({ type, at }) => ({ type, at: new Date(at).toISOString() })),
  };
}

export async function listOrders(db: OrdersDb, { status, page, pageSize }: { status?: OrderStatus; page: number; pageSize: number }): Promise<OrderPage> {
  const where = status ? { status } : {};
  const [orders, total] = await Promise.all([
    db.order.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], skip: (page - 1) * pageSize, take: pageSize }),
    db.order.count({ where }),
  ]);
  return {
    items: orders.map((order) => ({
      orderId: order.id,
      status: order.status,
      ...(order.cancelReason ? { reason: cancellationReason.parse(order.cancelReason) } : {}),
      customerEmail: order.customerEmail,
      totalCents: order.totalCents,
      currency: order.currency,
      createdAt: order.createdAt.toISOString(),
    })),
    page,
    pageSize,
    total,
  };
}
