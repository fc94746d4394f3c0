import { z } from 'zod';
import { defineEvent } from './define';
import { cents, currency, oneOf, uuid } from './shared';

export const declineCode = z.enum(['card_declined', 'insufficient_funds', 'unknown_payment_method']);
export type DeclineCode = z.infer<typeof declineCode>;

export const PaymentSettled = defineEvent({
  producer: 'payments',
  type: 'PaymentSettled',
  version: 1,
  description: "Payments charged an order's total.",
  data: z.strictObject({
    orderId: uuid,
    paymentId: uuid,
    amountCents: cents,
    currency,
  }),
});

export const PaymentDeclined = defineEvent({
  producer: 'payments',
  type: 'PaymentDeclined',
  version: 1,
  description: `Payments could not charge an order, with a \`declineCode\`: ${oneOf(declineCode.options)}.`,
  data: z.strictObject({
    orderId: uuid,
    declineCode,
  }),
});

export const PaymentRefunded = defineEvent({
  producer: 'payments',
  type: 'PaymentRefunded',
  version: 1,
  description: 'Payments refunded the charge of a cancelled order.',
  data: z.strictObject({
    orderId: uuid,
    paymentId: uuid,
    amountCents: cents,
    currency,
  }),
});
