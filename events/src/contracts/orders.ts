import { z } from 'zod';
import { defineEvent } from './define';
import { cents, currency, oneOf, quantity, uuid } from './shared';

export const cancellationReason = z.enum(['out_of_stock', 'payment_declined', 'timeout']);
export type CancellationReason = z.infer<typeof cancellationReason>;

/** Carries everything Catalog and Payments need, so neither has to ask Orders. No customer data, no card data. */
export const OrderPlaced = defineEvent({
  producer: 'orders',
  type: 'OrderPlaced',
  version: 1,
  description: 'A shopper placed an order of priced lines with a payment method token; stock and payment are requested.',
  data: z.strictObject({
    orderId: uuid,
    lines: z.array(z.strictObject({ bookId: uuid, quantity, unitPriceCents: cents })).min(1),
    totalCents: cents,
    currency,
    paymentMethodId: z.string().min(1),
  }),
});

export const OrderConfirmed = defineEvent({
  producer: 'orders',
  type: 'OrderConfirmed',
  version: 1,
  description: 'An order got its stock reserved and its payment settled; it is complete.',
  data: z.strictObject({
    orderId: uuid,
  }),
});

export const OrderCancelled = defineEvent({
  producer: 'orders',
  type: 'OrderCancelled',
  version: 1,
  description: `An order was cancelled, with a \`reason\`: ${oneOf(cancellationReason.options)}; the stock and money held for it are given back.`,
  data: z.strictObject({
    orderId: uuid,
    reason: cancellationReason,
  }),
});
