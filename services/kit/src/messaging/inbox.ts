import type { RetainedTable } from '../db/retention';

/**
 * The inbox: a handler records that it handles an event in its own transaction, by folding this claim into a
 * statement of its own (a CTE). It yields a row (`event_id`) when the event is new, none when it was handled
 * before: the handler then does nothing, so a redelivered or duplicated event changes nothing. A concurrent
 * duplicate waits on the primary key until the first transaction ends. `id` and `type` are the placeholders
 * ($n) of the event's id and type; the values themselves always travel as parameters.
 */
export function claimEventSql(id: string, type: string): string {
  return `INSERT INTO processed_events (event_id, type) VALUES (${id}::uuid, ${type}) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`;
}

/** The inbox's rows past `retentionSeconds` since the event was handled: the worker's retention job deletes them. */
export function handledEventIds(retentionSeconds: number): RetainedTable {
  return { table: 'processed_events', key: 'event_id', olderThan: ['processed_at'], retentionSeconds };
}
