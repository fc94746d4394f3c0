import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import { Prisma, PrismaClient } from './prisma/client';

export type CatalogDb = PrismaClient;
export type CatalogTx = Prisma.TransactionClient;

export function createCatalogDb(pool: pg.Pool): CatalogDb {
  return new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: { maxWait: 10_000, timeout: 15_000 } });
}
