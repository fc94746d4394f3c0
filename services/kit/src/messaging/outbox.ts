import { activeTraceparent, encodeEvent, type AnyEvent } from '@bookstore/events';
import { preparedStatement } from '../db/prepared';
import type { RetainedTable } from '../db/retention';
import { execute, type SqlTarget } from '../db/sql-client';

/**
 * The events as the one parameter of `insertOutboxSql`: a JSON object with their envelopes, each validated here
 * (encodeEvent), so a producer bug fails the request, not a consumer; and the trace context they are written in, the
 * request's or the handled event's, which the relay publishes with them.
 */
export function encodeOutbox(events: readonly AnyEvent[]): string {
  return `{"traceparent":${JSON.stringify(activeTraceparent() ?? null)},"events":[${events.map(encodeEvent).join(',')}]}`;
}

/**
 * The outbox insert as SQL, for a handler that folds it into a statement of its own (a CTE). `outbox` is the
 * placeholder ($n) of `encodeOutbox`'s result: one parameter however many events, one row each.
 */
export function insertOutboxSql(outbox: string): string {
  return `INSERT INTO outbox_events (id, type, payload, traceparent)
    SELECT (event->>'id')::uuid, event->>'type', event, outbox->>'traceparent'
    FROM (SELECT ${outbox}::jsonb AS outbox) AS input, jsonb_array_elements(outbox->'events') AS event`;
}

/**
 * Stores events in the outbox within the caller's transaction, in one statement: they are published if and only
 * if the state change that produced them commits (by the caller's OutboxDispatcher once it has, or by the relay).
 */
export async function enqueueEvents(tx: SqlTarget, ...events: AnyEvent[]): Promise<void> {
  if (events.length === 0) return;
  await execute(tx, insertOutboxSql('$1'), [encodeOutbox(events)]);
}

/** Marks the rows ($1, their ids) published, keeping the time of a first publication should a relay have published them too. */
export const markPublishedStatement = preparedStatement(
  'outbox.mark-published',
  'UPDATE outbox_events SET published_at = coalesce(published_at, now()) WHERE id = ANY($1::uuid[])',
);

/**
 * The outbox's rows written and published more than `retentionSeconds` ago: the worker's retention job deletes them.
 * An unpublished row (published_at null) stays, however old.
 */
export function publishedOutboxEvents(retentionSeconds: number): RetainedTable {
  return { table: 'outbox_events', key: 'id', olderThan: ['created_at', 'published_at'], retentionSeconds };
}
