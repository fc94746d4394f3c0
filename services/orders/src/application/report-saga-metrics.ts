import { inTransaction, preparedStatement, sagaMetrics, type MetricsLog } from '@bookstore/kit';
import type pg from 'pg';

/**
 * Takes the window since the last report, unless a report (by this worker or another) is younger than `$1` ms: the
 * row lock makes the workers of all tasks take turns, so each decision falls in exactly one window.
 */
const claimWindowStatement = preparedStatement(
  'orders.claim-metrics-window',
  `WITH previous AS (SELECT reported_until FROM saga_metrics_cursor FOR UPDATE)
   UPDATE saga_metrics_cursor SET reported_until = now() FROM previous
   WHERE previous.reported_until <= now() - $1 * interval '1 millisecond'
   RETURNING previous.reported_until AS since, saga_metrics_cursor.reported_until AS until`,
);

const decidedStatement = preparedStatement(
  'orders.decided-in-window',
  `SELECT status::text AS outcome, coalesce(cancel_reason, 'none') AS reason,
     round(extract(epoch FROM decided_at - created_at) * 1000)::float8 AS "placedToDecidedMs"
   FROM orders WHERE decided_at > $1 AND decided_at <= $2`,
);

const pendingStatement = preparedStatement(
  'orders.pending-counts',
  `SELECT count(*) FILTER (WHERE created_at < now() - interval '30 seconds')::int AS "over30s",
     count(*) FILTER (WHERE deadline_at < now())::int AS "pastDeadline"
   FROM orders WHERE status = 'PENDING'`,
);

export interface SagaReport {
  decided: { outcome: string; reason: string; placedToDecidedMs: number }[];
  pending: { over30s: number; pastDeadline: number };
}

/**
 * The saga's service-level metrics since the last report: placed -> decided per outcome, decisions per outcome and
 * reason, and the orders still pending past 30 s and past their deadline. Undefined when another report is younger
 * than `minimumGapMs` (another worker's, most likely).
 */
export async function reportSagaMetrics(pool: pg.Pool, metrics: MetricsLog, minimumGapMs: number): Promise<SagaReport | undefined> {
  const report = await inTransaction(pool, async (client): Promise<SagaReport | undefined> => {
    const { rows: windows } = await client.query<{ since: Date; until: Date }>(claimWindowStatement.with([minimumGapMs]));
    const window = windows[0];
    if (!window) return undefined;
    const { rows: decided } = await client.query<SagaReport['decided'][number]>(decidedStatement.with([window.since, window.until]));
    const { rows: pending } = await client.query<SagaReport['pending']>(pendingStatement.with([]));
    return { decided, pending: pending[0]! };
  });
  if (report) write(report, metrics);
  return report;
}

function write({ decided, pending }: SagaReport, metrics: MetricsLog): void {
  const service = 'orders';
  for (const outcome of new Set(decided.map((decision) => decision.outcome))) {
    const ofOutcome = decided.filter((decision) => decision.outcome === outcome);
    metrics.put(
      sagaMetrics.placedToDecided,
      { Service: service, Outcome: outcome },
      ofOutcome.map((decision) => decision.placedToDecidedMs),
    );
    for (const reason of new Set(ofOutcome.map((decision) => decision.reason))) {
      const count = ofOutcome.filter((decision) => decision.reason === reason).length;
      metrics.put(sagaMetrics.ordersDecided, { Service: service, Outcome: outcome, Reason: reason }, count);
    }
  }
  metrics.put(sagaMetrics.ordersPendingOver30s, { Service: service }, pending.over30s);
  metrics.put(sagaMetrics.ordersPendingPastDeadline, { Service: service }, pending.pastDeadline);
}
