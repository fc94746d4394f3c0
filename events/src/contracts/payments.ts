import { z } from 'zod';
import { defineEvent } from './define';
import { cents, currency, uuid } from './shared';

export const declineCode = z.enum(['card_declined', 'insufficient_funds', 'unknown_payment_method']);
export type DeclineCode = z.infer<typeof declineCode>;

export const PaymentSettled = defineEvent('payments', 'PaymentSettled', 1, z.strictObject({
  orderId: uuid,
  paymentId: uuid,
  amountCents: cents,
  currency,
}));

export const PaymentDeclined = defineEvent('payments', 'PaymentDeclined', 1, z.strictObject({
  orderId: uuid,
  declineCode,
}));

export const PaymentRefunded = defineEvent('payments', 'PaymentRefunded', 1, z.strictObject({
  orderId: uuid,
  paymentId: uuid,
  amountCents: cents,
  currency,
}));
