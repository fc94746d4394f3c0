import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';

/**
 * Runs `work` in one transaction on a connection of the pool: BEGIN, the work, COMMIT; ROLLBACK when anything
 * throws. A connection that cannot even roll back (lost when Postgres restarted) is discarded, not pooled again.
 * Inside inSharedTransaction on the same pool, `work` joins that transaction instead.
 */
export async function inTransaction<R>(pool: Pick<pg.Pool, 'connect'>, work: (client: pg.PoolClient) => Promise<R>): Promise<R> {
  const shared = sharedTransactionOn(pool);
  if (shared) return work(shared.client);
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

const sharedTransaction = new AsyncLocalStorage<{ pool: object; client: pg.PoolClient; afterCommit: (() => void)[] }>();

/** The shared transaction on `pool` the caller runs inside, if any. */
function sharedTransactionOn(pool: object) {
  const shared = sharedTransaction.getStore();
  return shared?.pool === pool ? shared : undefined;
}

/**
 * Runs `work` as one transaction that every inTransaction on the same pool inside it joins: their statements run on
 * its connection, with no BEGIN or COMMIT of their own, and what they hand to afterCommit waits until the whole of
 * `work` has committed. Should anything throw, all of it rolls back and no after-commit action runs. A consumer
 * handles a received batch of events this way (issue 13): two statements of transaction control per batch instead
 * of two per event.
 *
 * Inside `work`, every statement must go through inTransaction (or queryTarget): one sent on another connection of
 * the pool does not see what the shared transaction wrote, and waits for the locks it holds for as long as it is open.
 */
export async function inSharedTransaction<R>(pool: Pick<pg.Pool, 'connect'>, work: () => Promise<R>): Promise<R> {
  const afterCommit: (() => void)[] = [];
  const result = await inTransaction(pool, (client) => sharedTransaction.run({ pool, client, afterCommit }, work));
  for (const action of afterCommit) action();
  return result;
}

/** Runs `action` once the shared transaction on `pool` the caller runs inside commits, or at once outside one. */
export function afterCommit(pool: object, action: () => void): void {
  const shared = sharedTransactionOn(pool);
  if (shared) shared.afterCommit.push(action);
  else action();
}

/**
 * Where a statement that needs no transaction of its own runs: on the shared transaction's connection when the caller
 * runs inside one on `pool` (so that it joins it, see inSharedTransaction), else on the pool.
 */
export function queryTarget(pool: pg.Pool): Pick<pg.Pool, 'query'> {
  return sharedTransactionOn(pool)?.client ?? pool;
}
