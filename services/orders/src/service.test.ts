import { deleteExpiredRows } from '@bookstore/kit';
import { randomUUID } from 'node:crypto';
import { placeOrder } from './application/place-order';
import { replicatedBook, testAccessTokens, useOrdersDatabase } from './application/test-support';
import { idempotencyKeys, ordersSettingsFromEnvironment } from './service';

const orders = useOrdersDatabase();
const day = 24 * 3600;

describe("Orders' retention of Idempotency-Keys", () => {
  const place = async (idempotencyKey: string) => {
    const bookId = await replicatedBook(orders.db);
    const request = { customer: { email: 'ada@example.com', name: 'Ada' }, items: [{ bookId, quantity: 1 }], paymentMethodId: 'pm_test0000' };
    return { request, placed: await placeOrder(orders.db, request, { idempotencyKey, deadlineSeconds: 60, accessTokens: testAccessTokens }) };
  };
  const age = (key: string, seconds: number) =>
    orders.db.pool.query(`UPDATE idempotency_keys SET created_at = now() - $2 * interval '1 second' WHERE key = $1`, [key, seconds]);
  const keys = async () => (await orders.db.pool.query<{ key: string }>('SELECT key FROM idempotency_keys ORDER BY key')).rows.map(({ key }) => key);

  it('deletes the keys older than their retention and keeps the younger ones, which still answer a retry', async () => {
    const [old, justUnder, young] = ['a-old', 'b-just-under', 'c-young'].map((name) => `${name}-${randomUUID()}`) as [string, string, string];
    await place(old);
    const { request, placed } = await place(justUnder);
    await place(young);
    await age(old, day + 60);
    await age(justUnder, day - 60);

    expect(await deleteExpiredRows(orders.db.pool, idempotencyKeys(day))).toBe(1);
    expect(await keys()).toEqual([justUnder, young]);
    expect(await placeOrder(orders.db, request, { idempotencyKey: justUnder, deadlineSeconds: 60, accessTokens: testAccessTokens })).toEqual(placed);
  });

  it('finds them through the index on created_at, oldest first, not by reading the table', async () => {
    let statement: { text: string; values: unknown[] } | undefined;
    const recorder = { query: async (text: string, values: unknown[]) => ((statement = { text, values }), { rowCount: 0 }) };
    await deleteExpiredRows(recorder as never, idempotencyKeys(day));
    const client = await orders.db.pool.connect();
    try {
      await client.query('BEGIN');
      // The table is tiny here: only ask whether the index can serve the statement.
      await client.query('SET LOCAL enable_seqscan = off');
      await client.query('SET LOCAL enable_bitmapscan = off');
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement!.text}`, statement!.values);
      const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(plan).toContain('Index Scan using idempotency_keys_created_at_idx');
      expect(plan).not.toMatch(/Seq Scan|Sort/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});

describe("Orders' settings", () => {
  const ORDER_TOKEN_KEY = 'a-key-of-at-least-thirty-two-characters';

  it('remember an Idempotency-Key for 24 hours unless IDEMPOTENCY_KEY_RETENTION_SECONDS says otherwise', () => {
    expect(ordersSettingsFromEnvironment({ ORDER_TOKEN_KEY }).idempotencyKeyRetentionSeconds).toBe(day);
    expect(ordersSettingsFromEnvironment({ ORDER_TOKEN_KEY, IDEMPOTENCY_KEY_RETENTION_SECONDS: '3600' }).idempotencyKeyRetentionSeconds).toBe(3600);
  });

  it('need an ORDER_TOKEN_KEY of at least 32 characters to derive access tokens from', () => {
    expect(ordersSettingsFromEnvironment({ ORDER_TOKEN_KEY }).tokenKey).toBe(ORDER_TOKEN_KEY);
    expect(() => ordersSettingsFromEnvironment({})).toThrow(/ORDER_TOKEN_KEY/);
    expect(() => ordersSettingsFromEnvironment({ ORDER_TOKEN_KEY: 'short' })).toThrow(/ORDER_TOKEN_KEY must be at least 32 characters/);
  });

  it('refuse an IDEMPOTENCY_KEY_RETENTION_SECONDS that is not a whole number of seconds, naming it', () => {
    for (const value of ['0', '-5', '1.5', 'one day']) {
      expect(() => ordersSettingsFromEnvironment({ ORDER_TOKEN_KEY, IDEMPOTENCY_KEY_RETENTION_SECONDS: value })).toThrow(
        /invalid configuration:[\s\S]*IDEMPOTENCY_KEY_RETENTION_SECONDS/,
      );
    }
  });
});
