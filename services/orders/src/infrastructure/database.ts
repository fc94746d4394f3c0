import { PrismaPg } from '@prisma/adapter-pg';
import { leaveToRelay, type CommittedEvents } from '@bookstore/kit';
import type pg from 'pg';
import { PrismaClient } from './prisma/client';

/**
 * Orders' database: the Prisma client, and the pool it runs on, where the hot paths (placing an order, the saga's
 * handlers) run their transactions on `pg` directly in a handful of statements (issue 13: a statement is a round
 * trip and a socket write).
 */
export type OrdersDb = PrismaClient & { readonly pool: pg.Pool; readonly outbox: CommittedEvents };

/** `outbox` gets the events a use case has committed; without one (tests, tools) the relay publishes them. */
export function createOrdersDb(pool: pg.Pool, outbox: CommittedEvents = leaveToRelay): OrdersDb {
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: { maxWait: 10_000, timeout: 15_000 } });
  return Object.assign(prisma, { pool, outbox });
}
