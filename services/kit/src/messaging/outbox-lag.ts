import type pg from 'pg';
import { preparedStatement } from '../db/prepared';
import type { ServiceName } from '../platform';
import type { MetricsLog } from '../telemetry/emf';
import { sagaMetrics } from '../telemetry/metrics';

/** Served by the partial index on unpublished rows (created_at, id) WHERE published_at IS NULL. */
const oldestUnpublishedStatement = preparedStatement(
  'outbox.oldest-unpublished-age',
  `SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS seconds FROM outbox_events WHERE published_at IS NULL`,
);

/**
 * Reports how long the oldest unpublished event of the service's outbox has waited: 0 normally, growing while nothing
 * publishes (the broker is down, the relay is stuck), which is what the outbox-lag alarm pages on.
 */
export async function reportOutboxLag(pool: Pick<pg.Pool, 'query'>, metrics: MetricsLog, service: ServiceName): Promise<number> {
  const { rows } = await pool.query<{ seconds: number }>(oldestUnpublishedStatement.with([]));
  const seconds = Math.round(rows[0]!.seconds * 10) / 10;
  metrics.put(sagaMetrics.outboxLag, { Service: service }, seconds);
  return seconds;
}
