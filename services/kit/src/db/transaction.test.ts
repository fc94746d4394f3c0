import pg from 'pg';
import { query, useOutboxTables } from '../testing';
import { inTransaction } from './transaction';

const tables = useOutboxTables();

const claim = (client: pg.ClientBase, id: string) => client.query(`INSERT INTO processed_events (event_id, type) VALUES ($1::uuid, 'Test')`, [id]);
const claimed = async (id: string) => (await query(tables.url, 'SELECT 1 FROM processed_events WHERE event_id = $1', [id])).length === 1;

describe('inTransaction', () => {
  it('commits what the work wrote and returns its result', async () => {
    const id = crypto.randomUUID();
    expect(await inTransaction(tables.pool, async (client) => (await claim(client, id)).rowCount)).toBe(1);
    expect(await claimed(id)).toBe(true);
    expect(tables.pool.idleCount).toBeGreaterThan(0);
  });

  it('rolls back everything when the work throws, rethrows, and gives the connection back', async () => {
    const id = crypto.randomUUID();
    const failure = new Error('work failed after writing');
    await expect(
      inTransaction(tables.pool, async (client) => {
        await claim(client, id);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await claimed(id)).toBe(false);
    // The connection is usable again, outside any transaction.
    expect(await inTransaction(tables.pool, async (client) => (await client.query<{ status: string }>("SELECT 'idle' AS status")).rows[0]?.status)).toBe('idle');
  });

  it('discards a connection that cannot roll back (lost mid-transaction) instead of pooling it again', async () => {
    const before = tables.pool.totalCount;
    await expect(
      inTransaction(tables.pool, async (client) => {
        await client.query('SELECT pg_terminate_backend(pg_backend_pid())').catch(() => undefined);
        await client.query('SELECT 1');
      }),
    ).rejects.toThrow();
    expect(tables.pool.totalCount).toBeLessThanOrEqual(before);
    expect(await inTransaction(tables.pool, async (client) => (await client.query('SELECT 1 AS one')).rows)).toEqual([{ one: 1 }]);
  });
});
