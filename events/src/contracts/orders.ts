import { z } from 'zod';
import { defineEvent } from './define';
import { cents, currency, quantity, uuid } from './shared';

export const cancellationReason = z.enum(['out_of_stock', 'payment_declined', 'timeout']);
export type CancellationReason = z.infer<typeof cancellationReason>;

/** Carries everything Catalog and Payments need, so neither has to ask Orders. No customer data, no card data. */
export const OrderPlaced = defineEvent('orders', 'OrderPlaced', 1, z.strictObject({
  orderId: uuid,
  lines: z.array(z.strictObject({ bookId: uuid, quantity, unitPriceCents: cents })).min(1),
  totalCents: cents,
  currency,
  paymentMethodId: z.string().min(1),
}));

export const OrderConfirmed = defineEvent('orders', 'OrderConfirmed', 1, z.strictObject({
  orderId: uuid,
}));

export const OrderCancelled = defineEvent('orders', 'OrderCancelled', 1, z.strictObject({
  orderId: uuid,
  reason: cancellationReason,
}));
