import { PrismaPg } from '@prisma/adapter-pg';
import { leaveToRelay, type CommittedEvents } from '@bookstore/kit';
import type pg from 'pg';
import { PrismaClient } from './prisma/client';

/**
 * Payments' database: the Prisma client the API reads and writes with, and the pool it runs on, where the event
 * handlers run their transactions on `pg` directly (a handful of statements each, see payments.ts).
 */
export type PaymentsDb = PrismaClient & { readonly pool: pg.Pool; readonly outbox: CommittedEvents };

/** `outbox` gets the events a use case has committed; without one (tests, tools) the relay publishes them. */
export function createPaymentsDb(pool: pg.Pool, outbox: CommittedEvents = leaveToRelay): PaymentsDb {
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: { maxWait: 10_000, timeout: 15_000 } });
  return Object.assign(prisma, { pool, outbox });
}
