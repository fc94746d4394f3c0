import { pageOf } from '@bookstore/kit/page';
import { z } from 'zod';
import { orderStatuses } from '../domain/order-status';

/**
 * The shapes of Orders' answers. Only zod, kit's page shape and import-free domain lists are imported, so the web app
 * can share their types.
 */

/**
 * OrderCancelled's reason, written out rather than imported from events/ so the web app's types stay free of the
 * messaging code; read-orders.ts stops compiling if events/ gains a reason this lacks.
 */
const cancellationReason = z.enum(['out_of_stock', 'payment_declined', 'timeout']);

export const placedOrder = z
  .strictObject({
    orderId: z.uuid(),
    status: z.literal('PENDING'),
    accessToken: z.string().meta({ description: 'Lets the shopper read the order (GET /api/orders/{id}); shown once, stored only as a hash.' }),
  })
  .meta({ id: 'PlacedOrder' });

export const orderView = z
  .strictObject({
    orderId: z.uuid(),
    status: z.enum(orderStatuses),
    reason: cancellationReason.optional().meta({ description: 'Why a CANCELLED order was cancelled.' }),
    declineCode: z.string().optional().meta({ description: "The card's decline code, when the payment was declined." }),
    lines: z.array(z.strictObject({ bookId: z.uuid(), title: z.string(), quantity: z.int().min(1), unitPriceCents: z.int().min(0) })),
    totalCents: z.int().min(0),
    currency: z.string(),
    createdAt: z.iso.datetime(),
    timeline: z.array(
      z.strictObject({ type: z.string().meta({ description: 'The event that moved the order, e.g. PaymentSettled.' }), at: z.iso.datetime() }),
    ),
  })
  .meta({ id: 'Order' });

export const orderSummary = z
  .strictObject({
    orderId: z.uuid(),
    status: z.enum(orderStatuses),
    reason: cancellationReason.optional(),
    customerEmail: z.string(),
    totalCents: z.int().min(0),
    currency: z.string(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'OrderSummary' });

export const orderPage = pageOf(orderSummary);
