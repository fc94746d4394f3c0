import { contracts, type AnyEvent } from '@bookstore/events';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { createCatalogDb, type CatalogDb } from '../../../catalog/src/infrastructure/database';
import { createPool } from '../db/pool';
import type { SqlTarget } from '../db/sql-client';
import { recordStatements } from '../testing/statement-log';
import { inTransaction } from '../db/transaction';
import { createTestDatabase, query, testLogger } from '../testing';
import { encodeOutbox, enqueueEvents, insertOutboxSql } from './outbox';

const catalogMigrations = path.resolve(__dirname, '../../../catalog/prisma/migrations');

let url: string;
let pool: pg.Pool;
let prisma: CatalogDb;
let statements: string[];

beforeAll(async () => {
  url = await createTestDatabase('catalog', catalogMigrations);
  pool = createPool(url, testLogger());
  statements = recordStatements(pool).statements;
  prisma = createCatalogDb(pool);
});

afterAll(async () => {
  await prisma?.$disconnect();
  await pool?.end();
});

type Transaction = (work: (tx: SqlTarget) => Promise<void>) => Promise<void>;

const confirmed = (): AnyEvent => contracts.OrderConfirmed.create({ orderId: randomUUID() }, { correlationId: randomUUID() });
const stored = async (events: AnyEvent[]) =>
  (await query<{ payload: AnyEvent }>(url, 'SELECT payload FROM outbox_events WHERE id = ANY($1::uuid[]) ORDER BY payload->>\'id\'', [events.map(({ id }) => id)])).map(
    ({ payload }) => payload,
  );
const byId = (events: AnyEvent[]) => [...events].sort((a, b) => (a.id < b.id ? -1 : 1));

describe.each<[string, () => Transaction]>([
  ['a bare pg client (inTransaction)', () => (work) => inTransaction(pool, work)],
  ['the Prisma client', () => (work) => prisma.$transaction((tx) => work(tx))],
])('enqueueEvents in transactions of %s', (_, transactionOf) => {
  it('stores several events in one statement, each row the event as published', async () => {
    const events = [confirmed(), confirmed(), confirmed()];
    statements.length = 0;
    await transactionOf()((tx) => enqueueEvents(tx, ...events));

    expect(statements.filter((statement) => statement.includes('outbox_events'))).toHaveLength(1);
    expect(await stored(events)).toEqual(byId(events));
    const rows = await query<{ id: string; type: string }>(url, 'SELECT id::text, type FROM outbox_events WHERE id = ANY($1::uuid[])', [events.map(({ id }) => id)]);
    expect(rows.map(({ type }) => type)).toEqual(['OrderConfirmed', 'OrderConfirmed', 'OrderConfirmed']);
  });

  it('refuses an event that breaks its contract, and the whole transaction with it', async () => {
    const good = confirmed();
    const broken = { ...confirmed(), data: { orderId: 'not-a-uuid' } } as AnyEvent;
    await expect(transactionOf()((tx) => enqueueEvents(tx, good, broken))).rejects.toThrow();
    expect(await stored([good, broken])).toEqual([]);
  });

  it('does nothing for no events', async () => {
    statements.length = 0;
    await transactionOf()((tx) => enqueueEvents(tx));
    expect(statements.filter((statement) => statement.includes('outbox_events'))).toEqual([]);
  });
});

describe('the outbox insert as part of a statement of its own', () => {
  it('stores the events of encodeOutbox from a CTE, beside another write', async () => {
    const events = [confirmed(), confirmed()];
    const [row] = await query<{ claimed: string }>(
      url,
      `WITH claimed AS (INSERT INTO processed_events (event_id, type) VALUES ($1::uuid, 'OrderPlaced') RETURNING event_id),
       published AS (${insertOutboxSql('$2')})
       SELECT event_id::text AS claimed FROM claimed`,
      [randomUUID(), encodeOutbox(events)],
    );
    expect(row?.claimed).toBeDefined();
    expect(await stored(events)).toEqual(byId(events));
  });
});
