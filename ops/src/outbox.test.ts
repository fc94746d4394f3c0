import { createTestDatabase, query } from '@bookstore/kit/testing';
import { migrationsDir } from '@bookstore/orders';
import { outboxDatabaseUrls, outboxReport } from './outbox';

describe('outboxDatabaseUrls', () => {
  it("takes <SERVICE>_DATABASE_URL, else the service's database on the server of DATABASE_URL or --postgres-url, else npm start's", () => {
    const env = { ORDERS_DATABASE_URL: 'postgres://o:p@orders-db:5432/orders_prod', DATABASE_URL: 'postgres://u:p@server:5432/any?sslmode=require' };
    expect(outboxDatabaseUrls(env)).toEqual({
      catalog: 'postgres://u:p@server:5432/catalog?sslmode=require',
      orders: 'postgres://o:p@orders-db:5432/orders_prod',
      payments: 'postgres://u:p@server:5432/payments?sslmode=require',
    });
    expect(outboxDatabaseUrls(env, 'postgres://x@other:6543').catalog).toBe('postgres://x@other:6543/catalog');
    expect(outboxDatabaseUrls({}).payments).toBe('postgres://postgres:postgres@127.0.0.1:54320/payments');
  });
});

describe('outboxReport', () => {
  it('counts unpublished events and finds the oldest; an unreachable database is a status with an error', async () => {
    // Any service's migrations create the same outbox_events table; the orders ones stand in for all.
    const [withBacklog, drained] = await Promise.all([createTestDatabase('orders', migrationsDir), createTestDatabase('orders', migrationsDir)]);
    await query(
      withBacklog,
      `INSERT INTO outbox_events (id, type, payload, created_at, published_at) VALUES
         (gen_random_uuid(), 'OrderPlaced', '{}', now() - interval '5 minutes', NULL),
         (gen_random_uuid(), 'OrderPlaced', '{}', now() - interval '1 minute', NULL),
         (gen_random_uuid(), 'OrderPlaced', '{}', now() - interval '1 hour', now())`,
    );

    const report = await outboxReport({ catalog: drained, orders: withBacklog, payments: 'postgres://postgres:postgres@127.0.0.1:1/payments' });

    expect(report.map(({ service }) => service)).toEqual(['catalog', 'orders', 'payments']);
    expect(report[0]).toEqual({ service: 'catalog', database: expect.stringMatching(/^127\.0\.0\.1:\d+\/orders_/), unpublished: 0, oldestCreatedAt: undefined });
    expect(report[1]).toMatchObject({ service: 'orders', unpublished: 2 });
    const age = Date.now() - report[1]!.oldestCreatedAt!.getTime();
    expect(age).toBeGreaterThan(299_000);
    expect(age).toBeLessThan(310_000);
    expect(report[2]).toEqual({ service: 'payments', database: '127.0.0.1:1/payments', error: expect.stringContaining('ECONNREFUSED') });
  });
});
