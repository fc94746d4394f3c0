import { longestRedeliverySeconds } from '@bookstore/events';
import { PassThrough } from 'node:stream';
import type pg from 'pg';
import { createLogger } from '../logger';
import { handledEventIds } from '../messaging/inbox';
import { publishedOutboxEvents } from '../messaging/outbox';
import { createInfrastructure, serviceConfigFromEnvironment } from '../runtime';
import { eventually, query, testServiceConfig, useOutboxTables } from '../testing';
import { deleteBatchSql, deleteExpiredRows, retentionJob } from './retention';

const tables = useOutboxTables();
afterEach(() => query(tables.url, 'TRUNCATE outbox_events, processed_events'));

const hour = 3600;
const outbox = publishedOutboxEvents(hour);
const inbox = handledEventIds(hour);

/**
 * Outbox rows written `writtenAgo` seconds ago and published `publishedAgo` seconds ago (null: not published), their
 * type naming them, so that a test can tell which are left.
 */
async function writeOutbox(type: string, writtenAgo: number, publishedAgo: number | null, count = 1): Promise<void> {
  await query(
    tables.url,
    `INSERT INTO outbox_events (id, type, payload, created_at, published_at)
     SELECT gen_random_uuid(), $1, '{}', now() - $2 * interval '1 second', now() - $3 * interval '1 second' FROM generate_series(1, $4)`,
    [type, writtenAgo, publishedAgo, count],
  );
}

async function handle(type: string, handledAgo: number, count = 1): Promise<void> {
  await query(
    tables.url,
    `INSERT INTO processed_events (event_id, type, processed_at) SELECT gen_random_uuid(), $1, now() - $2 * interval '1 second' FROM generate_series(1, $3)`,
    [type, handledAgo, count],
  );
}

const left = async (table: 'outbox_events' | 'processed_events') =>
  (await query<{ type: string; n: number }>(tables.url, `SELECT type, count(*)::int AS n FROM ${table} GROUP BY type ORDER BY type`)).map(
    ({ type, n }) => `${type} ${n}`,
  );

/** The pool, counting the statements it runs. */
function counting(pool: pg.Pool): { pool: Pick<pg.Pool, 'query'>; statements(): number } {
  let statements = 0;
  return {
    pool: { query: ((...args: Parameters<pg.Pool['query']>) => (statements++, pool.query(...args))) as pg.Pool['query'] },
    statements: () => statements,
  };
}

describe('deleteExpiredRows', () => {
  it('deletes outbox events written and published longer ago than the retention, and keeps the rest', async () => {
    await writeOutbox('old, published', hour + 60, hour + 59, 3);
    await writeOutbox('old, unpublished', 30 * 24 * hour, null);
    await writeOutbox('old, published just now', 30 * 24 * hour, 1); // after an outage of the broker
    await writeOutbox('just under the limit', hour - 60, hour - 60);
    await writeOutbox('young', 5, 4);

    expect(await deleteExpiredRows(tables.pool, outbox)).toBe(3);
    expect(await left('outbox_events')).toEqual(['just under the limit 1', 'old, published just now 1', 'old, unpublished 1', 'young 1']);
  });

  it('deletes the ids of events handled longer ago than the retention, and keeps the rest', async () => {
    await handle('old', hour + 60, 2);
    await handle('just under the limit', hour - 60);
    await handle('young', 1);

    expect(await deleteExpiredRows(tables.pool, inbox)).toBe(2);
    expect(await left('processed_events')).toEqual(['just under the limit 1', 'young 1']);
  });

  it('deletes in batches, one statement each, until a batch comes back short', async () => {
    await writeOutbox('old', 2 * hour, 2 * hour, 2_500);
    await writeOutbox('young', 5, 4, 10);
    const counted = counting(tables.pool);

    expect(await deleteExpiredRows(counted.pool, outbox, { batchSize: 1_000, pauseMs: 1 })).toBe(2_500);
    expect(counted.statements()).toBe(3); // 1,000, 1,000, then 500
    expect(await left('outbox_events')).toEqual(['young 10']);

    await handle('old', 2 * hour, 2_000);
    const again = counting(tables.pool);
    expect(await deleteExpiredRows(again.pool, inbox, { batchSize: 1_000, pauseMs: 1 })).toBe(2_000);
    expect(again.statements()).toBe(3); // 1,000, 1,000, then none
  });

  it('stops between batches once aborted; the rest goes on the next run', async () => {
    await handle('old', 2 * hour, 250);
    const stopping = new AbortController();
    stopping.abort();
    expect(await deleteExpiredRows(tables.pool, inbox, { batchSize: 100, signal: stopping.signal })).toBe(100);
    expect(await deleteExpiredRows(tables.pool, inbox, { batchSize: 100 })).toBe(150);
  });

  it('never waits for a row another transaction holds (the relay, a handler), and two runs at once share the rows', async () => {
    await writeOutbox('held', 2 * hour, 2 * hour, 5);
    await writeOutbox('old', 2 * hour, 2 * hour, 3_000);
    const holder = await tables.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT id FROM outbox_events WHERE type = 'held' FOR UPDATE`);
      const [first, second] = await Promise.all([
        deleteExpiredRows(tables.pool, outbox, { batchSize: 200, pauseMs: 1 }),
        deleteExpiredRows(tables.pool, outbox, { batchSize: 200, pauseMs: 1 }),
      ]);
      expect(first + second).toBe(3_000);
      expect(await left('outbox_events')).toEqual(['held 5']);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    expect(await deleteExpiredRows(tables.pool, outbox)).toBe(5);
  });

  it.each([
    ['the outbox', outbox, 'outbox_events_published_created_at_idx'],
    ['the inbox', inbox, 'processed_events_processed_at_idx'],
  ])('finds the rows of %s through the index on their time, oldest first, not by reading the table', async (_, retained, index) => {
    const client = await tables.pool.connect();
    try {
      await client.query('BEGIN');
      // The table is tiny here: only ask whether the index can serve the statement.
      await client.query('SET LOCAL enable_seqscan = off');
      await client.query('SET LOCAL enable_bitmapscan = off');
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${deleteBatchSql(retained)}`, [retained.retentionSeconds, 1_000]);
      const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(plan).toContain(`Index Scan using ${index}`);
      expect(plan).not.toMatch(/Seq Scan|Sort/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});

describe('the retention job', () => {
  function logged(level = 'info') {
    const lines: Record<string, any>[] = [];
    const destination = new PassThrough();
    destination.on('data', (chunk: Buffer) =>
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line)),
      ),
    );
    return { logger: createLogger('test', { level, destination }), lines };
  }

  it('runs soon after the start and then every interval, logging one line per run that deleted something', async () => {
    const { logger, lines } = logged();
    await writeOutbox('old', 2 * hour, 2 * hour, 3);
    await handle('old', 2 * hour, 2);
    const job = retentionJob(tables.pool, [outbox, inbox], logger, { intervalMs: 300 });
    job.start();
    try {
      await eventually(async () => (lines.length > 0 ? true : undefined), { what: 'a first run' });
      await handle('old', 2 * hour, 4);
      await eventually(async () => (lines.length > 1 ? true : undefined), { what: 'a second run' });
      await new Promise((resolve) => setTimeout(resolve, 700)); // runs that find nothing say nothing
    } finally {
      await job.stop();
    }
    expect(lines.map(({ msg, deleted }) => ({ msg, deleted }))).toEqual([
      { msg: 'deleted rows past their retention', deleted: { outbox_events: 3, processed_events: 2 } },
      { msg: 'deleted rows past their retention', deleted: { processed_events: 4 } },
    ]);
    expect(lines[0]).toMatchObject({ level: 30, job: 'retention', durationMs: expect.any(Number) });
  });

  it("is the worker's task of every service, with the settings of its configuration, and warns when the inbox forgets too soon", async () => {
    const { logger, lines } = logged();
    const config = { ...testServiceConfig(tables.url), retention: { outboxSeconds: hour, inboxSeconds: 2 * hour, intervalSeconds: 1 } };
    const infrastructure = createInfrastructure('catalog', config, logger);
    await writeOutbox('old', 2 * hour, 2 * hour);
    await handle('old', 3 * hour);
    await handle('young', hour); // under the inbox's 2 hours
    const task = infrastructure.retention();
    await task.start();
    try {
      await eventually(async () => (lines.some(({ job }) => job === 'retention') ? true : undefined), { what: 'a run' });
    } finally {
      await task.stop();
      await infrastructure.close();
    }
    expect(await left('outbox_events')).toEqual([]);
    expect(await left('processed_events')).toEqual(['young 1']);
    expect(lines.map(({ msg }) => msg)).toEqual([
      'INBOX_RETENTION_SECONDS is shorter than an event can come back: a late redelivery would be handled twice',
      'deleted rows past their retention',
    ]);
  });
});

describe('the retention settings', () => {
  const environment = (more: Record<string, string> = {}) => ({
    DATABASE_URL: 'postgres://u:p@db:5432/catalog',
    ADMIN_TOKEN: 'an-admin-token-of-16+',
    ...more,
  });

  it('keep published outbox events a week and handled event ids past the longest redelivery, and run every 10 minutes', () => {
    expect(serviceConfigFromEnvironment(environment()).retention).toEqual({
      outboxSeconds: 7 * 24 * hour,
      inboxSeconds: longestRedeliverySeconds + 24 * hour,
      intervalSeconds: 600,
    });
    expect(longestRedeliverySeconds + 24 * hour).toBe(19 * 24 * hour); // 14 days in the DLQ, redriven, 4 in the queue, a day more
  });

  it('are read from OUTBOX_RETENTION_SECONDS, INBOX_RETENTION_SECONDS and RETENTION_INTERVAL_SECONDS', () => {
    const settings = { OUTBOX_RETENTION_SECONDS: '86400', INBOX_RETENTION_SECONDS: '5', RETENTION_INTERVAL_SECONDS: '2' };
    expect(serviceConfigFromEnvironment(environment(settings)).retention).toEqual({ outboxSeconds: 86_400, inboxSeconds: 5, intervalSeconds: 2 });
  });

  it.each([
    ['OUTBOX_RETENTION_SECONDS', ['0', '-1', '1.5', 'a week', '']],
    ['INBOX_RETENTION_SECONDS', ['0', '2.5', '19d']],
    ['RETENTION_INTERVAL_SECONDS', ['0', '86401', 'often']],
  ])('refuse %s that is not a whole number of seconds in range, naming it', (name, values) => {
    for (const value of values) {
      expect(() => serviceConfigFromEnvironment(environment({ [name]: value }))).toThrow(new RegExp(`invalid configuration:[\\s\\S]*${name}`));
    }
  });
});
