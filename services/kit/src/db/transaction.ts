import type pg from 'pg';

/**
 * Runs `work` in one transaction on a connection of the pool: BEGIN, the work, COMMIT; ROLLBACK when anything
 * throws. A connection that cannot even roll back (lost when Postgres restarted) is discarded, not pooled again.
 */
export async function inTransaction<R>(pool: Pick<pg.Pool, 'connect'>, work: (client: pg.PoolClient) => Promise<R>): Promise<R> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (error) {
    const broken = await client.query('ROLLBACK').then(
      () => undefined,
      (rollbackFailure: unknown) => (rollbackFailure instanceof Error ? rollbackFailure : new Error(String(rollbackFailure))),
    );
    client.release(broken);
    throw error;
  }
}
