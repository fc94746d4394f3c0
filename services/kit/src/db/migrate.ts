import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../logger';

/** The lock Prisma Migrate holds while it migrates, so that this runner and `prisma migrate deploy` never overlap. */
const prismaMigrationLock = 72707369;

const createBookkeeping = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/**
 * Applies a service's pending migrations from `prisma/migrations/<timestamp>_<name>/migration.sql`,
 * keeping Prisma's own `_prisma_migrations` records, so that `prisma migrate deploy` agrees with it
 * on machines that have the Prisma schema engine. Returns the names it applied.
 */
export async function applyMigrations(connectionString: string, migrationsDir: string, logger: Logger): Promise<string[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [prismaMigrationLock]);
    await client.query(createBookkeeping);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const failed = rows.find((row) => row.finished_at === null);
    if (failed) {
      throw new Error(`migration ${failed.migration_name} failed earlier; fix it and mark it rolled back before migrating again`);
    }
    const applied = new Map(rows.map((row) => [row.migration_name, row.checksum]));

    const names = (await readdir(migrationsDir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    const done: string[] = [];
    for (const name of names) {
      const sql = await readFile(path.join(migrationsDir, name, 'migration.sql'));
      const checksum = createHash('sha256').update(sql).digest('hex');
      if (applied.has(name)) {
        if (applied.get(name) !== checksum) logger.warn({ migration: name }, 'an applied migration was edited since; Prisma will report drift');
        continue;
      }
      const id = randomUUID();
      await client.query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ($1, $2, $3)', [id, checksum, name]);
      try {
        // One simple-protocol query, as Prisma runs it; Postgres runs a multi-statement query as one transaction.
        await client.query(sql.toString('utf8'));
      } catch (error) {
        await client.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, (error as Error).message]);
        throw new Error(`migration ${name} failed: ${(error as Error).message}`);
      }
      await client.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
      done.push(name);
    }
    if (done.length) logger.info({ migrations: done }, 'applied migrations');
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [prismaMigrationLock]).catch(() => undefined);
    await client.end();
  }
}
