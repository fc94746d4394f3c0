import { z } from 'zod';

/** The shapes of Payments' answers. Only zod is imported, so the web app can share their types. */

export const paymentMethodView = z
  .strictObject({
    paymentMethodId: z.string().meta({ description: 'Name it in POST /api/orders. The card number itself is never stored.' }),
    brand: z.string(),
    last4: z.string().regex(/^\d{4}$/),
    expMonth: z.int().min(1).max(12),
    expYear: z.int(),
  })
  .meta({ id: 'PaymentMethod' });

/** Written out so the web app's types need no Prisma client; paymentOfOrder stops compiling if the database gains one. */
const paymentStatus = z.enum(['PENDING', 'SETTLED', 'DECLINED', 'REFUNDED', 'VOIDED']);

export const paymentView = z
  .strictObject({
    orderId: z.uuid(),
    paymentId: z.uuid(),
    status: paymentStatus,
    amountCents: z.int().min(0),
    currency: z.string(),
    declineCode: z.string().optional(),
    settledAt: z.iso.datetime().nullable(),
    refunds: z.array(z.strictObject({ refundId: z.uuid(), amountCents: z.int().min(0), at: z.iso.datetime() })),
  })
  .meta({ id: 'Payment' });
