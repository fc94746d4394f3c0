import { z } from 'zod';
import { defineEvent } from './define';
import { cents, currency, quantity, stockLine, uuid } from './shared';

/** A book was created or changed. `revision` grows with every change so that replicas ignore stale copies. */
export const BookUpserted = defineEvent('catalog', 'BookUpserted', 1, z.strictObject({
  bookId: uuid,
  isbn: z.string(),
  title: z.string(),
  author: z.string(),
  priceCents: cents,
  currency,
  revision: z.int().positive(),
}));

export const InventoryReserved = defineEvent('catalog', 'InventoryReserved', 1, z.strictObject({
  orderId: uuid,
  lines: z.array(stockLine).min(1),
}));

export const InventoryRejected = defineEvent('catalog', 'InventoryRejected', 1, z.strictObject({
  orderId: uuid,
  reason: z.literal('out_of_stock'),
  shortLines: z.array(z.strictObject({ bookId: uuid, requested: quantity, available: z.int().nonnegative() })).min(1),
}));

export const InventoryReleased = defineEvent('catalog', 'InventoryReleased', 1, z.strictObject({
  orderId: uuid,
  lines: z.array(stockLine).min(1),
}));
