import type pg from 'pg';
import { createInfrastructure, serviceConfigFromEnvironment } from '../runtime';
import { query, testInfrastructure, testLogger, testServiceConfig, uniqueSuffix } from '../testing';
import { createPool, ensureDatabase } from './pool';

const environment = (more: Record<string, string> = {}) => ({ DATABASE_URL: 'postgres://u:p@db:5432/catalog', ADMIN_TOKEN: 'an-admin-token-of-16+', ...more });

/** Resolves with 'waiting' if the promise has not settled within `ms`. */
const settlesWithin = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), ms))]);

/** Connections to a database right now, other than the one asking. */
const connectionsTo = async (database: string) =>
  Number((await query<{ n: string }>(`${testInfrastructure().postgresUrl}/postgres`, 'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [database]))[0]!.n);

describe('DATABASE_POOL_SIZE', () => {
  it('defaults to 10 and takes any whole number from 2 up', () => {
    expect(serviceConfigFromEnvironment(environment()).poolSize).toBe(10);
    expect(serviceConfigFromEnvironment(environment({ DATABASE_POOL_SIZE: '2' })).poolSize).toBe(2);
    expect(serviceConfigFromEnvironment(environment({ DATABASE_POOL_SIZE: '40' })).poolSize).toBe(40);
  });

  it('refuses a size the worker cannot run with, or no number at all', () => {
    for (const size of ['1', '0', '-3', '2.5', 'ten']) {
      expect(() => serviceConfigFromEnvironment(environment({ DATABASE_POOL_SIZE: size }))).toThrow(/DATABASE_POOL_SIZE/);
    }
  });

  it("bounds the service's connections: with size 2 a third concurrent checkout waits until one is released", async () => {
    const database = `pool_${uniqueSuffix()}`;
    const url = await ensureDatabase(testInfrastructure().postgresUrl, database);
    const config = { ...testServiceConfig(url), poolSize: serviceConfigFromEnvironment(environment({ DATABASE_URL: url, DATABASE_POOL_SIZE: '2' })).poolSize };
    const infrastructure = createInfrastructure('catalog', config, testLogger());
    const held: pg.PoolClient[] = [];
    let third: Promise<string> | undefined;
    try {
      held.push(await infrastructure.pool.connect(), await infrastructure.pool.connect());
      third = infrastructure.pool.connect().then((client) => (held.push(client), 'connected'));
      expect(await settlesWithin(third, 500)).toBe('waiting');
      expect(await connectionsTo(database)).toBe(2);

      held.shift()!.release();
      // A client handed back goes straight to the waiting checkout; the margin is for a machine busy with other tests.
      expect(await settlesWithin(third, 5_000)).toBe('connected');
      expect(await connectionsTo(database)).toBe(2);
    } finally {
      for (const client of held.splice(0)) client.release();
      // After a failed expectation the third checkout may still wait: it gets a client now, and gives it back, so
      // that closing the pool does not wait for it (the test would time out instead of naming what failed).
      if (third && (await settlesWithin(third, 5_000)) === 'connected') for (const client of held.splice(0)) client.release();
      await infrastructure.close();
    }
  });

  it('holds as many connections as asked for under load, and no more', async () => {
    const database = `pool_${uniqueSuffix()}`;
    const url = await ensureDatabase(testInfrastructure().postgresUrl, database);
    for (const size of [3, 10]) {
      const pool = createPool(url, testLogger(), size);
      try {
        const load = Promise.all(Array.from({ length: 12 }, () => pool.query('SELECT pg_sleep(0.3)')));
        await new Promise((resolve) => setTimeout(resolve, 150));
        expect(await connectionsTo(database)).toBe(size);
        await load;
      } finally {
        await pool.end();
      }
    }
  });
});

describe('ensureDatabase', () => {
  it('concurrent CREATE DATABASE of one name fails for the losers with 23505, not only 42P04', async () => {
    const server = `${testInfrastructure().postgresUrl}/postgres`;
    const database = `race_${uniqueSuffix()}`;
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => query(server, `CREATE DATABASE ${database}`).then(() => 'created', (error: { code?: string }) => error.code)),
    );
    expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(1);
    expect(outcomes).toContain('23505');
    expect(outcomes.every((outcome) => ['created', '23505', '42P04'].includes(outcome!))).toBe(true);
  });

  it('lets every one of several concurrent creators of one database succeed', async () => {
    for (let round = 0; round < 5; round++) {
      const database = `ensure_${uniqueSuffix()}`;
      const urls = await Promise.all(Array.from({ length: 4 }, () => ensureDatabase(testInfrastructure().postgresUrl, database)));
      expect(new Set(urls).size).toBe(1);
      expect(await query(urls[0]!, 'SELECT current_database() AS name')).toEqual([{ name: database }]);
    }
  });
});

describe('a connection lost while checked out', () => {
  it('fails the work on it, not the process, and the pool replaces it', async () => {
    const url = await ensureDatabase(testInfrastructure().postgresUrl, `pool_${uniqueSuffix()}`);
    const pool = createPool(url, testLogger(), 2);
    try {
      // A transaction between two statements, as Prisma holds one while a handler runs, when Postgres restarts.
      const client = await pool.connect();
      await client.query('BEGIN');
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await query(url, 'SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await expect(client.query('SELECT 1')).rejects.toThrow();
      client.release();
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });
});
