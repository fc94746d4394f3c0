import { cancellationReason } from '@bookstore/events';
import { DomainError } from '@bookstore/kit';
import type { OrderView } from '../api/types';
import type { OrderStatus } from '../domain/order-status';
import type { OrdersDb } from '../infrastructure/database';
import { accessTokenMatches } from './access-token';

const notFound = (orderId: string) => new DomainError('not_found', 'order_not_found', `no order ${orderId} for this access token`);

/**
 * An order as its shopper sees it. Without the right access token the refusal is the same order_not_found as for an
 * order that does not exist, so a guessed id reveals nothing.
 */
export async function getOrder(db: OrdersDb, orderId: string, access: { token?: string; admin: boolean }): Promise<OrderView> {
  const order = await db.order.findUnique({
    where: { id: orderId },
    include: { lines: { orderBy: { title: 'asc' } }, timeline: { orderBy: [{ at: 'asc' }, { id: 'asc' }] } },
  });
  if (!order) throw notFound(orderId);
  if (!access.admin && !(access.token && accessTokenMatches(access.token, order.accessTokenHash))) throw notFound(orderId);
  return {
    orderId: order.id,
    status: order.status,
    // The column is text; the saga writes only OrderCancelled's reasons into it (domain/order-saga.ts).
    ...(order.cancelReason ? { reason: cancellationReason.parse(order.cancelReason) } : {}),
    ...(order.declineCode ? { declineCode: order.declineCode } : {}),
    lines: order.lines.map(({ bookId, title, quantity, unitPriceCents }) => ({ bookId, title, quantity, unitPriceCents })),
    totalCents: order.totalCents,
    currency: order.currency,
    createdAt: order.createdAt.toISOString(),
    timeline: order.timeline.map(({ type, at }) => ({ type, at: at.toISOString() })),
  };
}

export async function listOrders(db: OrdersDb, { status, page, pageSize }: { status?: OrderStatus; page: number; pageSize: number }) {
  const where = status ? { status } : {};
  const [orders, total] = await Promise.all([
    db.order.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], skip: (page - 1) * pageSize, take: pageSize }),
    db.order.count({ where }),
  ]);
  return {
    items: orders.map((order) => ({
      orderId: order.id,
      status: order.status,
      ...(order.cancelReason ? { reason: order.cancelReason } : {}),
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
