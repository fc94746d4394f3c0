import { pageOf } from '@bookstore/kit/page';
import { z } from 'zod';

/** The shapes of Catalog's answers. Only zod and kit's page shape are imported, so the web app can share their types. */
export const bookView = z
  .strictObject({
    id: z.uuid(),
    isbn: z.string().meta({ description: 'ISBN-13, or ISBN-10, digits only (X last in an ISBN-10).' }),
    title: z.string(),
    author: z.string(),
    description: z.string(),
    priceCents: z.int().min(0),
    currency: z.string().meta({ description: 'ISO 4217, e.g. EUR.' }),
    stock: z.int().min(0).meta({ description: 'Copies on hand now, reservations taken out.' }),
  })
  .meta({ id: 'Book' });

export const bookPage = pageOf(bookView);
