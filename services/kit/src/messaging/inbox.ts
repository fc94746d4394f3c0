import { execute, type SqlTarget } from '../db/sql-client';

/**
 * The claim as SQL, for a handler that folds it into a statement of its own (a CTE): it yields a row
 * (`event_id`) when the event is new, none when it was handled before. `id` and `type` are the placeholders
 * ($n) of the event's id and type; the values themselves always travel as parameters.
 */
export function claimEventSql(id: string, type: string): string {
  return `INSERT INTO processed_events (event_id, type) VALUES (${id}::uuid, ${type}) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`;
}

/**
 * Records that an event is being handled, in the handler's own transaction. Returns false when the
 * event was handled before: the caller then does nothing, so a redelivered or duplicated event changes
 * nothing. A concurrent duplicate waits on the primary key until the first transaction ends.
 */
export async function claimEvent(tx: SqlTarget, event: { id: string; type: string }): Promise<boolean> {
  return (await execute(tx, claimEventSql('$1', '$2'), [event.id, event.type])) === 1;
}
