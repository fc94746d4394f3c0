import type { SqlExecutor } from '../db/sql';

/**
 * Records that an event is being handled, in the handler's own transaction. Returns false when the
 * event was handled before: the caller then does nothing, so a redelivered or duplicated event changes
 * nothing. A concurrent duplicate waits on the primary key until the first transaction ends.
 */
export async function claimEvent(tx: SqlExecutor, event: { id: string; type: string }): Promise<boolean> {
  const inserted = await tx.$executeRaw`
    INSERT INTO processed_events (event_id, type) VALUES (${event.id}::uuid, ${event.type})
    ON CONFLICT (event_id) DO NOTHING`;
  return inserted === 1;
}
