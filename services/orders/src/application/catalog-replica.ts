import type { EventOf } from '@bookstore/events';
import { claimEventSql, queryTarget } from '@bookstore/kit';
import type { OrdersDb } from '../infrastructure/database';

/**
 * Keeps Orders' copy of a book's price current; an older revision arriving late changes nothing. One statement on
 * its own, without BEGIN and COMMIT: the claim (kit's inbox) is a CTE of the upsert, so both commit together, and
 * the upsert selects from the claim, so a duplicate (seen before, or in flight: its claim waits for that commit)
 * inserts no row and changes nothing. ON CONFLICT DO UPDATE compares revisions with the latest committed version of
 * the row, so concurrent revisions keep the newest.
 */
export async function replicateBook(db: Pick<OrdersDb, 'pool'>, event: EventOf<'BookUpserted'>): Promise<void> {
  const { bookId, title, author, priceCents, currency, revision } = event.data;
  await queryTarget(db.pool).query(
    `WITH claimed AS (${claimEventSql('$1', '$2')})
     INSERT INTO book_replicas (id, title, author, price_cents, currency, revision, updated_at)
     SELECT $3::uuid, $4, $5, $6::int, $7, $8::int, now() FROM claimed
     ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, author = EXCLUDED.author, price_cents = EXCLUDED.price_cents,
       currency = EXCLUDED.currency, revision = EXCLUDED.revision, updated_at = now()
     WHERE book_replicas.revision < EXCLUDED.revision`,
    [event.id, event.type, bookId, title, author, priceCents, currency, revision],
  );
}
