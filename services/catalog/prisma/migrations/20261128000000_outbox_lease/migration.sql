-- The outbox relay claims rows with a lease instead of holding their row locks, and a connection, in a
-- transaction while SNS answers (services/kit/src/messaging/relay.ts): a claim is one autocommit UPDATE that
-- sets claimed_until, and a relay that dies after claiming leaves rows that another relay takes once it passes.
ALTER TABLE "outbox_events" ADD COLUMN "claimed_until" TIMESTAMPTZ(3);

-- The claim reads the oldest unpublished rows in order of publication (created_at, id), and `npm run ops -- outbox`
-- counts them: this index holds only unpublished rows, so it stays small however long the outbox grows. It
-- replaces the index on (published_at, created_at), which kept an entry for every published row.
DROP INDEX "outbox_events_published_at_created_at_idx";
CREATE INDEX "outbox_events_unpublished_idx" ON "outbox_events"("created_at", "id") WHERE "published_at" IS NULL;
