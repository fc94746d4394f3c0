import { PrismaPg } from '@prisma/adapter-pg';
import { leaveToRelay, type CommittedEvents } from '@bookstore/kit';
import type pg from 'pg';
import { Prisma, PrismaClient } from './prisma/client';

/**
 * Catalog's database: the Prisma client the API reads and writes with, and the pool it runs on, where the
 * event handlers run their transactions on `pg` directly (a handful of statements each, see reservations.ts).
 */
export type CatalogDb = PrismaClient & { readonly pool: pg.Pool; readonly outbox: CommittedEvents };
export type CatalogTx = Prisma.TransactionClient;

/** `outbox` gets the events a use case has committed; without one (tests, tools) the relay publishes them. */
export function createCatalogDb(pool: pg.Pool, outbox: CommittedEvents = leaveToRelay): CatalogDb {
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: { maxWait: 10_000, timeout: 15_000 } });
  return Object.assign(prisma, { pool, outbox });
}
