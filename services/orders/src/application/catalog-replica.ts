import type { EventOf } from '@bookstore/events';
import { claimEvent } from '@bookstore/kit';
import type { OrdersDb } from '../infrastructure/database';

/** Keeps Orders' copy of a book's price current; an older revision arriving late changes nothing. */
export async function replicateBook(db: OrdersDb, event: EventOf<'BookUpserted'>): Promise<void> {
  const { bookId, title, author, priceCents, currency, revision } = event.data;
  await db.$transaction(async (tx) => {
    if (!(await claimEvent(tx, event))) return;
    await tx.$executeRaw`
      INSERT INTO book_replicas (id, title, author, price_cents, currency, revision, updated_at)
      VALUES (${bookId}::uuid, ${title}, ${author}, ${priceCents}, ${currency}, ${revision}, now())
      ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, author = EXCLUDED.author, price_cents = EXCLUDED.price_cents,
        currency = EXCLUDED.currency, revision = EXCLUDED.revision, updated_at = now()
      WHERE book_replicas.revision < EXCLUDED.revision`;
  });
}
