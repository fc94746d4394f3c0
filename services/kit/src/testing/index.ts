import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { defaultInboxRetentionSeconds, defaultOutboxRetentionSeconds, defaultRetentionIntervalSeconds } from '../config';
import { applyMigrations } from '../db/migrate';
import { createPool, ensureDatabase } from '../db/pool';
import { createLogger } from '../logger';
import type { SqlExecutor } from '../db/sql';
import type { ClientSettings } from '../http/rate-limit';
import type { ServiceConfig } from '../runtime';

/** Set by the jest global setup, which runs one real PostgreSQL and one SNS/SQS emulator for all tests. */
export function testInfrastructure(): { postgresUrl: string; awsEndpoint: string } {
  const postgresUrl = process.env.TEST_POSTGRES_URL;
  const awsEndpoint = process.env.TEST_AWS_ENDPOINT;
  if (!postgresUrl || !awsEndpoint) throw new Error('run tests with `npm test`: the jest global setup starts PostgreSQL and the emulator');
  return { postgresUrl, awsEndpoint };
}

/** A short random name part, so that test files never share a database, queue or topic. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

export const testLogger = () => createLogger('test', { level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A fresh database with a service's migrations applied; returns its URL. */
export async function createTestDatabase(service: string, migrationsDir: string): Promise<string> {
  const url = await ensureDatabase(testInfrastructure().postgresUrl, `${service}_${uniqueSuffix()}`);
  await applyMigrations(url, migrationsDir, testLogger());
  return url;
}

/**
 * For kit's own tests of the outbox, inbox and transactions: a database of the test file's own with those tables
 * (Catalog's migrations have them) and a pool on it, opened before the file's tests and closed after them.
 */
export function useOutboxTables(): { readonly url: string; readonly pool: pg.Pool } {
  return useServiceDatabase('catalog', path.resolve(__dirname, '../../../catalog/prisma/migrations'), () => ({ $disconnect: async () => undefined }));
}

/**
 * A migrated database of the test file's own for a service, with a pool and the service's Db on it: opened before
 * the file's tests and closed after them. Read its parts inside tests (they exist once beforeAll has run).
 */
export function useServiceDatabase<Db extends { $disconnect(): Promise<void> }>(
  service: string,
  migrationsDir: string,
  open: (pool: pg.Pool) => Db,
  { poolSize }: { poolSize?: number } = {},
): { readonly url: string; readonly pool: pg.Pool; readonly db: Db } {
  let opened: { url: string; pool: pg.Pool; db: Db } | undefined;
  beforeAll(async () => {
    const url = await createTestDatabase(service, migrationsDir);
    const pool = createPool(url, testLogger(), poolSize);
    opened = { url, pool, db: open(pool) };
  });
  afterAll(async () => {
    await opened?.db.$disconnect();
    await opened?.pool.end();
  });
  const parts = () => {
    if (!opened) throw new Error(`the ${service} database opens in beforeAll`);
    return opened;
  };
  return {
    get url() {
      return parts().url;
    },
    get pool() {
      return parts().pool;
    },
    get db() {
      return parts().db;
    },
  };
}

/**
 * The HTTP client settings of tests that drive a service: one proxy in front (as in every layout), and no rate limits,
 * which tests placing many orders from one address would hit; http/rate-limit.test.ts and the system test
 * rate-limits.test.ts turn them on.
 */
export const testClients: ClientSettings = { trustedProxyHops: 1, rateLimits: 'off' };

export function testServiceConfig(databaseUrl: string, topologyPrefix = `t${uniqueSuffix()}-`): ServiceConfig {
  return {
    databaseUrl,
    awsEndpoint: testInfrastructure().awsEndpoint,
    awsRegion: 'us-east-1',
    topologyPrefix,
    adminToken: 'test-admin-token-0123456789',
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    pollWaitSeconds: 1,
    retention: { outboxSeconds: defaultOutboxRetentionSeconds, inboxSeconds: defaultInboxRetentionSeconds, intervalSeconds: defaultRetentionIntervalSeconds },
    clients: testClients,
  };
}

/** A loopback port something listens on, to see what a start does when its port is taken. */
export async function occupiedPort(): Promise<{ port: number; release(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { port, release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Runs one query on a database outside the service under test, to look at or arrange its state. */
export async function query<R extends pg.QueryResultRow>(databaseUrl: string, sql: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Runs `work` in one transaction on a plain pg connection, behind the SqlExecutor interface the kit expects. */
export async function pgTransaction<R>(pool: pg.Pool, work: (tx: SqlExecutor) => Promise<R>): Promise<R> {
  const client = await pool.connect();
  const tx: SqlExecutor = {
    async $executeRaw(strings, ...values) {
      const text = strings.reduce((sql, part, index) => `${sql}$${index}${part}`);
      return (await client.query(text, values)).rowCount ?? 0;
    },
  };
  try {
    await client.query('BEGIN');
    const result = await work(tx);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** Polls until `check` returns a value (not undefined), or fails with the last value seen. */
export async function eventually<T>(check: () => Promise<T | undefined>, { timeoutMs = 15_000, intervalMs = 50, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A small seeded generator (mulberry32), so a failing run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export { appendingProxy, requestFrom, type AddressedReply } from './client-address';
export { DispatchSpy, FakePublisher } from './doubles';
export { recordStatements, type StatementLog } from './statement-log';
export { distribution, round, type Distribution } from './stats';
export { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
export { metricsSpy } from './metrics';
