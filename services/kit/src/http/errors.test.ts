import { Router } from 'express';
import type { AddressInfo } from 'node:net';
import { createPool } from '../db/pool';
import { isDatabaseUnavailable } from '../db/unavailable';
import { testClients, testInfrastructure, testLogger } from '../testing';
import { createHttpApp } from './app';

/** An app whose routes query a real database: one that is there, and one on a port nobody listens on. */
async function serve(databaseUrl: string) {
  const pools = [createPool(databaseUrl, testLogger()), createPool('postgres://postgres:postgres@127.0.0.1:1/none', testLogger())];
  const [live, dead] = pools as [ReturnType<typeof createPool>, ReturnType<typeof createPool>];
  const routes = Router()
    .get('/down', async (_req, res) => void res.json((await dead.query('SELECT 1')).rows))
    .get('/bad-sql', async (_req, res) => void res.json((await live.query('SELEC 1')).rows))
    .get('/ok', async (_req, res) => void res.json((await live.query('SELECT 1 AS one')).rows));
  const server = createHttpApp({ logger: testLogger(), routes, readiness: [], clients: testClients }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: async () => (server.close(), await Promise.all(pools.map((pool) => pool.end()))) };
}

describe('errors from the database', () => {
  let app: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    app = await serve(`${testInfrastructure().postgresUrl}/postgres`);
  });
  afterAll(() => app.close());

  it('answers 503 with Retry-After when the database cannot be reached: an outage, worth retrying', async () => {
    const response = await fetch(`${app.url}/down`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toEqual({ error: { code: 'service_unavailable', message: expect.stringContaining('database') } });
  });

  it('still answers 500 for a broken query: that is a bug, not an outage', async () => {
    const response = await fetch(`${app.url}/bad-sql`);
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('internal_error');
  });

  it('answers normally when the database is there', async () => {
    expect(await (await fetch(`${app.url}/ok`)).json()).toEqual([{ one: 1 }]);
  });
});

describe('isDatabaseUnavailable', () => {
  // Shapes as Prisma's pg adapter threw them in the chaos run while PostgreSQL restarted.
  const prismaUnreachable = { code: 'P1001', meta: { driverAdapterError: { cause: { kind: 'DatabaseNotReachable' } } } };
  const prismaShuttingDown = { code: 'P2039', meta: { driverAdapterError: { cause: { originalCode: '57P03' } } } };
  const prismaUniqueViolation = { code: 'P2002', meta: { target: ['isbn'] } };

  it.each([
    ['Prisma: server unreachable', prismaUnreachable, true],
    ['Prisma: server shutting down', prismaShuttingDown, true],
    ['Prisma: pool timeout', { code: 'P2024' }, true],
    ['pg: admin shutdown', { code: '57P01' }, true],
    ['pg: connection exception class 08', { code: '08006' }, true],
    ['socket refused', { code: 'ECONNREFUSED' }, true],
    ['pg: connection closed under a query', new Error('Connection terminated unexpectedly'), true],
    // Seen in a chaos run during a PostgreSQL restart: a pooled client whose connection had broken, used again.
    ['pg: a broken client reused', new Error('Client has encountered a connection error and is not queryable'), true],
    ['Prisma: unique violation', prismaUniqueViolation, false],
    ['pg: syntax error', { code: '42601' }, false],
    ['a plain bug', new TypeError('x is undefined'), false],
    ['not an error', 'oops', false],
  ])('%s', (_name, error, expected) => {
    expect(isDatabaseUnavailable(error)).toBe(expected);
  });
});
