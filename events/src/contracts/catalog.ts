import { z } from 'zod';
import { defineEvent } from './define';
import { cents, currency, quantity, stockLine, uuid } from './shared';

export const BookUpserted = defineEvent({
  producer: 'catalog',
  type: 'BookUpserted',
  version: 1,
  description: 'A book was added or changed; its `revision` grows with every change, so replicas ignore stale copies.',
  data: z.strictObject({
    bookId: uuid,
    isbn: z.string(),
    title: z.string(),
    author: z.string(),
    priceCents: cents,
    currency,
    revision: z.int().positive(),
  }),
});

export const InventoryReserved = defineEvent({
  producer: 'catalog',
  type: 'InventoryReserved',
  version: 1,
  description: 'Catalog held the stock for every line of an order.',
  data: z.strictObject({
    orderId: uuid,
    lines: z.array(stockLine).min(1),
  }),
});

export const InventoryRejected = defineEvent({
  producer: 'catalog',
  type: 'InventoryRejected',
  version: 1,
  description: 'Catalog reserved nothing for an order: stock was short for its `shortLines` (reason `out_of_stock`).',
  data: z.strictObject({
    orderId: uuid,
    reason: z.literal('out_of_stock'),
    shortLines: z.array(z.strictObject({ bookId: uuid, requested: quantity, available: z.int().nonnegative() })).min(1),
  }),
});

export const InventoryReleased = defineEvent({
  producer: 'catalog',
  type: 'InventoryReleased',
  version: 1,
  description: 'Catalog put the stock of a cancelled order back.',
  data: z.strictObject({
    orderId: uuid,
    lines: z.array(stockLine).min(1),
  }),
});
