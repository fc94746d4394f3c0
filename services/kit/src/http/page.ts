import { z } from 'zod';

/**
 * A page of a list answer. Its own entry point (@bookstore/kit/page), importing only zod, so that the web app's
 * type-only imports of the services' answers do not pull in the rest of kit.
 */
export function pageOf<Item extends z.ZodType>(item: Item) {
  return z.strictObject({
    items: z.array(item),
    page: z.int().min(1).meta({ description: 'This page, from 1.' }),
    pageSize: z.int().min(1),
    total: z.int().min(0).meta({ description: 'How many items all pages hold together.' }),
  });
}

export type Page<T> = Omit<z.output<ReturnType<typeof pageOf>>, 'items'> & { items: T[] };
