import { z } from 'zod';
import { isExpired, passesLuhn } from '../domain/card';

/** A card as the shopper typed it. Issues name the field, so a form can show them beside it; none repeats the number. */
export const cardBody = z
  .strictObject({
    cardNumber: z
      .string()
      .transform((value) => value.replace(/[\s-]/g, ''))
      .refine(passesLuhn, 'not a valid card number'),
    expMonth: z.int().min(1).max(12),
    expYear: z.int().min(2000).max(2100),
    cvc: z.string().regex(/^\d{3,4}$/, '3 or 4 digits'),
    holderName: z.string().trim().min(1).max(200),
  })
  .superRefine(({ expMonth, expYear }, context) => {
    if (isExpired(expMonth, expYear)) context.addIssue({ code: 'custom', path: ['expYear'], message: 'the card has expired' });
  });
