import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import { Prisma, PrismaClient } from './prisma/client';

export type PaymentsDb = PrismaClient;
export type PaymentsTx = Prisma.TransactionClient;

export function createPaymentsDb(pool: pg.Pool): PaymentsDb {
  return new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: { maxWait: 10_000, timeout: 15_000 } });
}
