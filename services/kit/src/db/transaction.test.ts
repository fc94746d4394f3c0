import pg from 'pg';
import { query, recordStatements, testLogger, useOutboxTables } from '../testing';
import { createPool } from './pool';
import { afterCommit, inSharedTransaction, inTransaction, queryTarget } from './transaction';

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

describe('inSharedTransaction', () => {
  it('runs the inTransactions and queryTargets inside it as one transaction: one BEGIN and one COMMIT, all kept', async () => {
    const own = createPool(tables.url, testLogger());
    try {
      const log = recordStatements(own);
      const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
      const sent = await log.sentBy(() =>
        inSharedTransaction(own, async () => {
          await inTransaction(own, (client) => claim(client, ids[0]!));
          await inTransaction(own, (client) => claim(client, ids[1]!));
          await queryTarget(own).query(`INSERT INTO processed_events (event_id, type) VALUES ($1::uuid, 'Test')`, [ids[2]]);
        }),
      );
      expect(sent.filter((statement) => !statement.startsWith('INSERT'))).toEqual(['BEGIN', 'COMMIT']);
      for (const id of ids) expect(await claimed(id)).toBe(true);
    } finally {
      await own.end();
    }
  });

  it('rolls everything back when any part throws, and runs no after-commit action', async () => {
    const ids = [crypto.randomUUID(), crypto.randomUUID()];
    const actions: string[] = [];
    await expect(
      inSharedTransaction(tables.pool, async () => {
        await inTransaction(tables.pool, async (client) => {
          await claim(client, ids[0]!);
          afterCommit(tables.pool, () => actions.push('first'));
        });
        await inTransaction(tables.pool, async (client) => {
          await claim(client, ids[1]!);
          throw new Error('the second unit failed');
        });
      }),
    ).rejects.toThrow('the second unit failed');
    expect(await claimed(ids[0]!)).toBe(false);
    expect(await claimed(ids[1]!)).toBe(false);
    expect(actions).toEqual([]);
  });

  it('runs after-commit actions once everything has committed, in order; outside one they run at once', async () => {
    const id = crypto.randomUUID();
    const actions: string[] = [];
    await inSharedTransaction(tables.pool, async () => {
      await inTransaction(tables.pool, (client) => claim(client, id));
      afterCommit(tables.pool, () => actions.push(`first, committed: ${String(actions.length)}`));
      afterCommit(tables.pool, () => actions.push('second'));
      expect(actions).toEqual([]);
      // Another connection does not see the claim yet: nothing has committed.
      expect(await claimed(id)).toBe(false);
    });
    expect(actions).toEqual(['first, committed: 0', 'second']);
    afterCommit(tables.pool, () => actions.push('outside'));
    expect(actions.at(-1)).toBe('outside');
  });

  it('is not joined by work on another pool', async () => {
    const other = createPool(tables.url, testLogger());
    try {
      const id = crypto.randomUUID();
      await expect(
        inSharedTransaction(tables.pool, async () => {
          await inTransaction(other, (client) => claim(client, id));
          throw new Error('the shared transaction failed');
        }),
      ).rejects.toThrow();
      expect(await claimed(id)).toBe(true);
    } finally {
      await other.end();
    }
  });
});
