import { z } from 'zod';
import { maxQuantityPerBook } from '../domain/order-limits';
import { orderStatuses } from '../domain/order-status';

export const placeOrderBody = z.strictObject({
  customer: z.strictObject({
    email: z.email('an email address like ada@example.com').max(254),
    name: z.string().trim().min(1, 'your name').max(200),
  }),
  items: z
    .array(z.strictObject({ bookId: z.uuid().toLowerCase(), quantity: z.int().min(1).max(maxQuantityPerBook) }))
    .min(1)
    .max(50),
  paymentMethodId: z.string().regex(/^pm_[A-Za-z0-9]{8,64}$/, 'a payment method id from POST /api/payments/methods'),
});

/** Printable ASCII, as the IETF draft on the Idempotency-Key header suggests; a UUID fits well. */
export const idempotencyHeaders = z.object({
  'idempotency-key': z.string().regex(/^[\x21-\x7e]{1,200}$/, '1 to 200 printable ASCII characters').optional(),
});

export const listQuery = z.strictObject({
  status: z.enum(orderStatuses).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
