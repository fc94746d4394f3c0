import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { periodic, type BackgroundTask } from '../lifecycle';
import type { Logger } from '../logger';

/**
 * A table whose rows are deleted once they are older than a retention period: the outbox's published events, the
 * inbox's handled event ids, Orders' idempotency keys. The names are the code's own, never input.
 */
export interface RetainedTable {
  table: string;
  /** Its primary key, one column: a batch is picked, then deleted, by it. */
  key: string;
  /**
   * The times that must all be past the retention for a row to go. The first is when the row was inserted, and a
   * B-tree index on it (partial, if the others exclude many rows) finds a batch without reading the rest of the
   * table; the others narrow it down, and a null one keeps the row (an outbox event not yet published).
   */
  olderThan: readonly [string, ...string[]];
  retentionSeconds: number;
}

export interface RetentionOptions {
  /** Rows one statement deletes at most, so that no statement holds many locks or runs long. */
  batchSize?: number;
  /** The pause between two batches of a table, so that the hot path's statements are not kept waiting. */
  pauseMs?: number;
  /** Ends the deleting between two batches (the worker is stopping); what is left goes on the next run. */
  signal?: AbortSignal;
}

const defaultRetentionBatchSize = 1_000;
const defaultPauseMs = 100;
/** The first run comes this soon after the worker starts, or after one interval when that is shorter. */
const firstRunAfterMs = 30_000;

/**
 * Deletes a table's rows past their retention, a batch per autocommit statement, until a batch comes back short;
 * returns how many it deleted. A batch locks its rows with SKIP LOCKED, so a statement never waits for a row another
 * holds (the relay's, a handler's, another worker's run of this job): it cannot deadlock with them, and two runs at
 * once share the rows between them. A row skipped that way goes on the next run.
 */
export async function deleteExpiredRows(pool: Pick<pg.Pool, 'query'>, retained: RetainedTable, options: RetentionOptions = {}): Promise<number> {
  const { batchSize = defaultRetentionBatchSize, pauseMs = defaultPauseMs, signal } = options;
  const sql = deleteBatchSql(retained);
  let deleted = 0;
  for (;;) {
    const { rowCount } = await pool.query(sql, [retained.retentionSeconds, batchSize]);
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize || signal?.aborted) return deleted;
    try {
      await sleep(pauseMs, undefined, { signal });
    } catch {
      return deleted; // aborted during the pause
    }
  }
}

/**
 * One batch: $1 the retention in seconds, $2 the batch size. The oldest rows first, in the order of the index on the
 * first time column, which keeps the planner on that index when its statistics are stale (rows deleted since the last
 * ANALYZE still count there): without an order it then chose a sequential scan, expecting a batch early, and read the
 * whole table for the last, short batch (PostgreSQL 17, an outbox of 200,000 rows going round its retention).
 */
export function deleteBatchSql({ table, key, olderThan }: RetainedTable): string {
  const [name, id, inserted] = [pg.escapeIdentifier(table), pg.escapeIdentifier(key), pg.escapeIdentifier(olderThan[0])];
  const expired = olderThan.map((column) => `${pg.escapeIdentifier(column)} < now() - $1 * interval '1 second'`).join(' AND ');
  return `DELETE FROM ${name} WHERE ${id} IN (SELECT ${id} FROM ${name} WHERE ${expired} ORDER BY ${inserted} LIMIT $2 FOR UPDATE SKIP LOCKED)`;
}

/**
 * The worker's job that keeps tables bounded: every `intervalMs` (the first run soon after the start) it deletes
 * each table's rows past their retention, one table after the other. A run that deleted something logs one line,
 * with the count of each table and how long it took; one that found nothing logs only at debug. Stopping ends a run
 * after its statement in flight.
 */
export function retentionJob(
  pool: Pick<pg.Pool, 'query'>,
  tables: readonly RetainedTable[],
  logger: Logger,
  { intervalMs, ...options }: Omit<RetentionOptions, 'signal'> & { intervalMs: number },
): BackgroundTask {
  let stopping = new AbortController();
  const run = async () => {
    const startedAt = performance.now();
    const deleted: Record<string, number> = {};
    try {
      for (const table of tables) {
        if (stopping.signal.aborted) break;
        const count = await deleteExpiredRows(pool, table, { ...options, signal: stopping.signal });
        if (count > 0) deleted[table.table] = count;
      }
    } finally {
      // Also when a statement failed (periodic logs the failure): what the tables before it lost is said.
      const durationMs = Math.round(performance.now() - startedAt);
      if (Object.keys(deleted).length > 0) logger.info({ job: 'retention', deleted, durationMs }, 'deleted rows past their retention');
      else logger.debug({ job: 'retention', durationMs }, 'no rows past their retention');
    }
  };
  const job = periodic('retention', intervalMs, run, logger, { firstRunAfterMs: Math.min(intervalMs, firstRunAfterMs) });
  return {
    start() {
      stopping = new AbortController();
      return job.start();
    },
    async stop() {
      stopping.abort();
      await job.stop();
    },
  };
}
