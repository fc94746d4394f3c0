import pg from 'pg';
import { defaultPoolSize } from '../config';
import type { Logger } from '../logger';

/** The service's one connection pool; its Prisma client runs on it too, so `max` bounds all its connections. */
export function createPool(connectionString: string, logger: Logger, max = defaultPoolSize): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5_000 });
  // A connection lost when Postgres restarts must fail the work on it, never the process: pg emits 'error' on the
  // client, and an unhandled 'error' event exits Node. Every client gets a listener, also while checked out (a
  // transaction between two statements): its next query fails and the pool drops it on release. The pool repeats
  // an idle client's error as its own 'error', already logged here.
  pool.on('connect', (client) => client.on('error', (error) => logger.warn({ err: error }, 'database connection lost')));
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Creates a database unless it exists; true when this call created it. Two creators racing past the
 * existence check both run CREATE DATABASE: the loser fails with 42P04 (duplicate_database) or, when both
 * got as far as inserting into pg_database, with 23505 (unique violation on pg_database_datname_index).
 * Either means the database is there now.
 */
export async function createDatabaseIfMissing(client: pg.Client, database: string, owner?: string): Promise<boolean> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (rowCount) return false;
  const ownerClause = owner === undefined ? '' : ` OWNER ${pg.escapeIdentifier(owner)}`;
  try {
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}${ownerClause}`);
    return true;
  } catch (error) {
    if (isConcurrentCreation(error)) return false;
    throw error;
  }
}

/** 42P04 duplicate_database / 42710 duplicate_object, or 23505 when the loser reached the catalog's unique index. */
export function isConcurrentCreation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '42P04' || code === '42710' || code === '23505';
}

/**
 * Creates a database on a server if it does not exist yet, as the URL's own user (local stack, compose and
 * tests; in AWS, `migrate` provisions it with DATABASE_ADMIN_URL instead, see provision.ts).
 */
export async function ensureDatabase(serverUrl: string, database: string): Promise<string> {
  const url = new URL(serverUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await createDatabaseIfMissing(client, database);
  } finally {
    await client.end();
  }
  url.pathname = `/${database}`;
  return url.toString();
}
