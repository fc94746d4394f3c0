import { randomUUID } from 'node:crypto';
import { contracts } from '@bookstore/events';
import { enqueueEvents } from '@bookstore/kit';
import type { PlacedOrder, PlaceOrderRequest } from '../api/types';
import type { OrdersDb } from '../infrastructure/database';
import { hashAccessToken, newAccessToken } from './access-token';
import { claimIdempotencyKey } from './idempotency-key';
import { priceOrder } from './price-order';

/**
 * Prices the items, stores the order as PENDING and emits OrderPlaced through the outbox, all in one transaction.
 * With an idempotency key, a repeat of the same request gets the first answer back and places nothing.
 */
export async function placeOrder(
  db: OrdersDb,
  request: PlaceOrderRequest,
  { idempotencyKey, deadlineSeconds }: { idempotencyKey?: string; deadlineSeconds: number },
): Promise<PlacedOrder> {
  const { items, lines, totalCents, currency } = await priceOrder(db, request.items);
  const orderId = randomUUID();
  const placed: PlacedOrder = { orderId, status: 'PENDING', accessToken: newAccessToken() };

  return db.$transaction(async (tx) => {
    if (idempotencyKey) {
      const earlier = await claimIdempotencyKey(tx, idempotencyKey, { ...request, items }, placed);
      if (earlier) return earlier;
    }
    await tx.order.create({
      data: {
        id: orderId,
        customerEmail: request.customer.email,
        customerName: request.customer.name,
        paymentMethodId: request.paymentMethodId,
        totalCents,
        currency,
        accessTokenHash: hashAccessToken(placed.accessToken),
        deadlineAt: new Date(Date.now() + deadlineSeconds * 1000),
        lines: { create: lines },
        timeline: { create: { type: 'OrderPlaced' } },
      },
    });
    await enqueueEvents(
      tx,
      contracts.OrderPlaced.create(
        { orderId, lines: lines.map(({ bookId, quantity, unitPriceCents }) => ({ bookId, quantity, unitPriceCents })), totalCents, currency, paymentMethodId: request.paymentMethodId },
        { correlationId: orderId },
      ),
    );
    return placed;
  });
}
