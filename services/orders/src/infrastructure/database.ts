import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import { Prisma, PrismaClient } from './prisma/client';

export type OrdersDb = PrismaClient;
export type OrdersTx = Prisma.TransactionClient;

export function createOrdersDb(pool: pg.Pool): OrdersDb {
  return new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: { maxWait: 10_000, timeout: 15_000 } });
}
