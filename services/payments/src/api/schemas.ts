import { z } from 'zod';
import { isExpired, passesLuhn } from '../domain/card';

/** A card as the shopper typed it. Issues name the field, so a form can show them beside it; none repeats the number. */
export const cardBody = z
  .strictObject({
    cardNumber: z
      .string()
      .transform((value) => value.replace(/[\s-]/g, ''))
      .refine(passesLuhn, 'not a valid card number'),
    expMonth: z.int('a month from 1 to 12').min(1, 'a month from 1 to 12').max(12, 'a month from 1 to 12'),
    expYear: z.int('a four-digit year').min(2000, 'a four-digit year').max(2100, 'a four-digit year'),
    cvc: z.string().regex(/^\d{3,4}$/, '3 or 4 digits'),
    holderName: z.string().trim().min(1, 'the name on the card').max(200),
  })
  .superRefine(({ expMonth, expYear }, context) => {
    if (isExpired(expMonth, expYear)) context.addIssue({ code: 'custom', path: ['expYear'], message: 'the card has expired' });
  });
