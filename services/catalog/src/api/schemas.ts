import { z } from 'zod';
import { normalizeIsbn } from '../domain/isbn';

const text = (max: number) => z.string().trim().min(1).max(max);
const priceCents = z.int().min(0).max(10_000_000);
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR');

export const searchQuery = z.strictObject({
  q: z.string().trim().max(200).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

export const newBookBody = z.strictObject({
  isbn: z.string().transform((value, context) => {
    const isbn = normalizeIsbn(value);
    if (!isbn) context.addIssue({ code: 'custom', message: 'not a valid ISBN-10 or ISBN-13' });
    return isbn ?? value;
  }),
  title: text(300),
  author: text(300),
  description: z.string().trim().max(5_000).default(''),
  priceCents,
  currency: currency.default('EUR'),
  stock: z.int().min(0).max(1_000_000),
});

export const bookChangesBody = z
  .strictObject({ title: text(300), author: text(300), description: z.string().trim().max(5_000), priceCents, currency })
  .partial()
  .refine((changes) => Object.keys(changes).length > 0, 'name at least one field to change');

export const restockBody = z.strictObject({ quantity: z.int().min(1).max(1_000_000) });
