-- The worker now deletes, in small batches, what the service no longer needs (services/kit/src/db/retention.ts):
-- outbox events published more than OUTBOX_RETENTION_SECONDS ago, and the ids of events handled more than
-- INBOX_RETENTION_SECONDS ago. These indexes let a batch find the oldest such rows without reading the table.
--
-- B-trees, not BRIN. A BRIN index costs next to nothing on a table that only grows at its end, but these tables stop
-- being that once old rows go: VACUUM frees the deleted rows' pages, new rows are written into them, and a BRIN range's
-- summary only ever widens (nothing shrinks it but brin_desummarize_range), so the index ends up matching every range.
-- Measured on PostgreSQL 17 with an outbox going round its retention (200,000 rows, 23,637 pages), the BRIN-guided
-- batch that finds nothing left to delete read 3,000 pages after one retention period and every page of the table
-- after one and a half; with these B-trees it read about 100 pages (under 2,000 before VACUUM). A B-tree on a time that
-- only grows adds each entry on its rightmost page. The outbox's is partial, on published rows only: a row gets its
-- entry when it is marked published (an update that writes index entries anyway, as it changes published_at, which
-- the index of unpublished rows is defined on), not when written; about 80 bytes of WAL per outbox row, against 115
-- for BRIN and 145 for a B-tree on every row. CREATE INDEX holds off writes to the table while it builds, a moment on
-- tables the size of these.
CREATE INDEX "outbox_events_published_created_at_idx" ON "outbox_events"("created_at") WHERE "published_at" IS NOT NULL;
CREATE INDEX "processed_events_processed_at_idx" ON "processed_events"("processed_at");
