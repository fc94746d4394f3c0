import { createInfrastructure, serviceConfigFromEnvironment } from '@bookstore/kit';
import { createTestDatabase, query, testInfrastructure, testLogger, testServiceConfig } from '@bookstore/kit/testing';
import { migrationsDir } from '..';
import { createCatalogDb } from './database';

describe("Catalog's Prisma client", () => {
  it('runs on the service pool, so DATABASE_POOL_SIZE bounds its connections too', async () => {
    const url = await createTestDatabase('catalog', migrationsDir);
    const database = new URL(url).pathname.slice(1);
    const { poolSize } = serviceConfigFromEnvironment({ DATABASE_URL: url, ADMIN_TOKEN: 'an-admin-token-of-16+', DATABASE_POOL_SIZE: '2' });
    const infrastructure = createInfrastructure('catalog', { ...testServiceConfig(url), poolSize }, testLogger());
    const db = createCatalogDb(infrastructure.pool);
    try {
      const seen: number[] = [];
      const load = Promise.all(Array.from({ length: 6 }, () => db.$queryRaw`SELECT 1 AS one FROM pg_sleep(0.2)`));
      const started = Date.now();
      let done = false;
      void load.finally(() => (done = true));
      while (!done) {
        const [row] = await query<{ n: string }>(`${testInfrastructure().postgresUrl}/postgres`, 'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [database]);
        seen.push(Number(row!.n));
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await load;

      expect(Math.max(...seen)).toBe(2);
      expect(infrastructure.pool.totalCount).toBe(2);
      // Six 0.2 s queries over two connections take three rounds.
      expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    } finally {
      await infrastructure.close(db);
    }
  });
});
