import { encodeEvent, type AnyEvent } from '@bookstore/events';
import type { SqlExecutor } from '../db/sql';

/** The Postgres channel the outbox trigger notifies on every insert (see each service's first migration). */
export const outboxChannel = 'outbox_events';

/**
 * Stores events in the outbox within the caller's transaction: they are published if and only if the
 * state change that produced them commits. Validated here, so a producer bug fails the request, not a consumer.
 */
export async function enqueueEvents(tx: SqlExecutor, ...events: AnyEvent[]): Promise<void> {
  for (const event of events) {
    const payload = encodeEvent(event);
    await tx.$executeRaw`INSERT INTO outbox_events (id, type, payload) VALUES (${event.id}::uuid, ${event.type}, ${payload}::jsonb)`;
  }
}
