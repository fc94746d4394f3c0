import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { createCatalogDb, type CatalogDb } from '../../../catalog/src/infrastructure/database';
import { createPool } from '../db/pool';
import { inTransaction } from '../db/transaction';
import { createTestDatabase, eventually, pgTransaction, query, testLogger } from '../testing';
import { execute, type SqlTarget } from '../db/sql-client';
import { claimEventSql } from './inbox';

const catalogMigrations = path.resolve(__dirname, '../../../catalog/prisma/migrations');

type Transaction = <R>(work: (tx: SqlTarget) => Promise<R>) => Promise<R>;

let url: string;
let pool: pg.Pool;
let prisma: CatalogDb;

beforeAll(async () => {
  url = await createTestDatabase('catalog', catalogMigrations);
  pool = createPool(url, testLogger());
  prisma = createCatalogDb(pool);
});

afterAll(async () => {
  await prisma?.$disconnect();
  await pool?.end();
});

const plainTransaction: Transaction = (work) => pgTransaction(pool, work);

/** A transaction of kit's own on a bare pg client, as Catalog's handlers use it. */
const pgClientTransaction: Transaction = (work) => inTransaction(pool, work);

/** A transaction of a service's generated Prisma client, as the handlers use it. */
const prismaTransaction: Transaction = (work) => prisma.$transaction((tx) => work(tx));

/** The claim on its own, as one statement: true when the event is new. */
const claimEvent = async (tx: SqlTarget, event: { id: string; type: string }) => (await execute(tx, claimEventSql('$1', '$2'), [event.id, event.type])) === 1;

const newEvent = () => ({ id: randomUUID(), type: 'OrderPlaced' });
const processed = (id: string) => query<{ type: string }>(url, 'SELECT type FROM processed_events WHERE event_id = $1', [id]);

describe.each([
  ['a pg client behind the Prisma-shaped interface', () => plainTransaction],
  ['a bare pg client (inTransaction)', () => pgClientTransaction],
  ['the Prisma client', () => prismaTransaction],
])('claimEvent in transactions of %s', (_, transactionOf) => {
  let transaction: Transaction;
  beforeAll(() => {
    transaction = transactionOf();
  });

  it('claims an event once: true the first time, false for the same id afterwards', async () => {
    const event = newEvent();
    expect(await transaction((tx) => claimEvent(tx, event))).toBe(true);
    expect(await transaction((tx) => claimEvent(tx, event))).toBe(false);
    expect(await transaction((tx) => claimEvent(tx, { ...event, type: 'OrderCancelled' }))).toBe(false);

    expect(await processed(event.id)).toEqual([{ type: 'OrderPlaced' }]);
    expect(await transaction((tx) => claimEvent(tx, newEvent()))).toBe(true);
  });

  it('forgets a claim whose transaction rolled back, so the redelivered event is handled again', async () => {
    const event = newEvent();
    const failure = new Error('handler failed after claiming');
    await expect(
      transaction(async (tx) => {
        expect(await claimEvent(tx, event)).toBe(true);
        throw failure;
      }),
    ).rejects.toBe(failure);

    expect(await processed(event.id)).toEqual([]);
    expect(await transaction((tx) => claimEvent(tx, event))).toBe(true);
  });

  it.each([
    ['commits', true, false],
    ['rolls back', false, true],
  ])('makes a concurrent duplicate wait for the first claim, which then %s', async (_, commit, duplicateClaims) => {
    const event = newEvent();
    let finishFirst!: () => void;
    const firstMayFinish = new Promise<void>((resolve) => (finishFirst = resolve));
    let firstClaimed = false;
    const first = transaction(async (tx) => {
      const claimed = await claimEvent(tx, event);
      firstClaimed = true;
      await firstMayFinish;
      if (!commit) throw new Error('rolled back');
      return claimed;
    }).catch((error: Error) => error.message);
    await eventually(async () => (firstClaimed ? true : undefined), { what: 'the first claim' });

    let duplicateSettled = false;
    const duplicate = transaction((tx) => claimEvent(tx, event)).finally(() => (duplicateSettled = true));
    // The duplicate blocks on the primary key of the first, uncommitted insert.
    await eventually(
      async () => {
        const waiting = await query(url, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        return waiting.length > 0 ? true : undefined;
      },
      { what: 'the duplicate to wait for a lock' },
    );
    expect(duplicateSettled).toBe(false);

    finishFirst();
    expect(await first).toBe(commit ? true : 'rolled back');
    expect(await duplicate).toBe(duplicateClaims);
    expect(await processed(event.id)).toHaveLength(1);
  });
});
