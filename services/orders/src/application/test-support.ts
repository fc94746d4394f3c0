import { contracts } from '@bookstore/events';
import { useServiceDatabase } from '@bookstore/kit/testing';
import { randomUUID } from 'node:crypto';
import { migrationsDir } from '..';
import { createOrdersDb, type OrdersDb } from '../infrastructure/database';
import { orderAccessTokens } from './access-token';
import { replicateBook } from './catalog-replica';

/** A migrated orders database of the test file's own, opened before its tests and closed after them. */
export function useOrdersDatabase(): { readonly db: OrdersDb } {
  return useServiceDatabase('orders', migrationsDir, createOrdersDb);
}

/** A book Orders knows from the catalog's BookUpserted, so orders for it can be priced; returns its id. */
export async function replicatedBook(db: OrdersDb, priceCents = 1000, currency = 'EUR'): Promise<string> {
  const bookId = randomUUID();
  await replicateBook(db, contracts.BookUpserted.create({ bookId, isbn: '9780441172719', title: 'T', author: 'A', priceCents, currency, revision: 1 }, { correlationId: bookId }));
  return bookId;
}

/** The access tokens of the tests' orders, derived with a key of their own. */
export const testAccessTokens = orderAccessTokens('a-test-key-for-order-access-tokens');
