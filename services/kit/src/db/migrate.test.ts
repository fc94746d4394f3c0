import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '../logger';
import { query, testInfrastructure, testLogger, uniqueSuffix } from '../testing';
import { applyMigrations } from './migrate';
import { ensureDatabase } from './pool';

interface MigrationRow {
  id: string;
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  applied_steps_count: number;
  logs: string | null;
  rolled_back_at: Date | null;
}

const first = '20260101000000_books';
const second = '20260201000000_book_stock';
const firstSql = 'CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n';
// Depends on the first migration: applied in the wrong order it fails.
const secondSql = "ALTER TABLE books ADD COLUMN stock INTEGER NOT NULL DEFAULT 0;\nINSERT INTO books (id, title, stock) VALUES (1, 'Dune', 3);\n";

const folders: string[] = [];

/** A migrations folder in the shape Prisma writes it: `<name>/migration.sql`, plus a lock file to ignore. */
async function migrationsFolder(migrations: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'migrations-'));
  folders.push(dir);
  await writeFile(path.join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  // Written newest first, so that only sorting by name gets the order right.
  for (const [name, sql] of Object.entries(migrations).reverse()) {
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

const freshDatabase = () => ensureDatabase(testInfrastructure().postgresUrl, `mig_${uniqueSuffix()}`);
const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');
const migrationRows = (url: string) =>
  query<MigrationRow>(url, 'SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name');

afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('applyMigrations', () => {
  it('applies the pending migrations in name order and records them as Prisma does', async () => {
    const url = await freshDatabase();
    const dir = await migrationsFolder({ [first]: firstSql, [second]: secondSql });

    expect(await applyMigrations(url, dir, testLogger())).toEqual([first, second]);

    expect(await query(url, 'SELECT id, title, stock FROM books')).toEqual([{ id: 1, title: 'Dune', stock: 3 }]);
    const rows = await migrationRows(url);
    expect(rows.map((row) => row.migration_name)).toEqual([first, second]);
    for (const row of rows) {
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
      expect(row.checksum).toBe(await sha256(path.join(dir, row.migration_name, 'migration.sql')));
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('applies migrations in name order, whatever order the folder lists them in', async () => {
    const url = await freshDatabase();
    // Each step copies the previous one's table, so a step applied too early fails.
    const names = Array.from({ length: 8 }, (_, step) => `2026010${step + 1}000000_step_${step}`);
    const dir = await migrationsFolder(
      Object.fromEntries(names.map((name, step) => [name, step === 0 ? 'CREATE TABLE step_0 (n INTEGER);\n' : `CREATE TABLE step_${step} AS SELECT * FROM step_${step - 1};\n`])),
    );

    expect(await applyMigrations(url, dir, testLogger())).toEqual(names);
    expect((await migrationRows(url)).map((row) => row.migration_name)).toEqual(names);
  });

  it('applies nothing on a second run, and only what is new on a later one', async () => {
    const url = await freshDatabase();
    const dir = await migrationsFolder({ [first]: firstSql });
    await applyMigrations(url, dir, testLogger());
    const before = await migrationRows(url);

    expect(await applyMigrations(url, dir, testLogger())).toEqual([]);
    expect(await migrationRows(url)).toEqual(before);

    await mkdir(path.join(dir, second));
    await writeFile(path.join(dir, second, 'migration.sql'), secondSql);
    expect(await applyMigrations(url, dir, testLogger())).toEqual([second]);
    const after = await migrationRows(url);
    expect(after.map((row) => row.migration_name)).toEqual([first, second]);
    expect(after[0]).toEqual(before[0]);
  });

  it('lets only one of two concurrent runs apply each migration', async () => {
    const url = await freshDatabase();
    const dir = await migrationsFolder({ [first]: firstSql, [second]: secondSql });

    const runs = await Promise.all([applyMigrations(url, dir, testLogger()), applyMigrations(url, dir, testLogger())]);

    expect(runs.flat().sort()).toEqual([first, second]);
    expect((await migrationRows(url)).map((row) => row.migration_name)).toEqual([first, second]);
  });

  it('records a failing migration as unfinished, with the error, and rolls back its statements', async () => {
    const url = await freshDatabase();
    const broken = '20260301000000_broken';
    const dir = await migrationsFolder({
      [first]: firstSql,
      [broken]: 'CREATE TABLE authors (id INTEGER PRIMARY KEY);\nINSERT INTO publishers (id) VALUES (1);\n',
    });

    await expect(applyMigrations(url, dir, testLogger())).rejects.toThrow(
      new RegExp(`migration ${broken} failed: relation "publishers" does not exist`),
    );

    const rows = await migrationRows(url);
    expect(rows.map((row) => [row.migration_name, row.finished_at === null])).toEqual([
      [first, false],
      [broken, true],
    ]);
    const failed = rows[1];
    expect(failed?.logs).toMatch(/relation "publishers" does not exist/);
    expect(failed?.applied_steps_count).toBe(0);
    expect(failed?.rolled_back_at).toBeNull();
    // The migration's statements ran as one transaction: its first statement left nothing behind.
    expect(await query(url, "SELECT to_regclass('authors') AS authors")).toEqual([{ authors: null }]);
  });

  it('refuses to migrate after a failed migration until it is marked rolled back', async () => {
    const url = await freshDatabase();
    const broken = '20260301000000_broken';
    const dir = await migrationsFolder({ [first]: firstSql, [broken]: 'SELECT 1/0;\n' });
    await expect(applyMigrations(url, dir, testLogger())).rejects.toThrow(/division by zero/);

    // Fixing the file is not enough: the failed attempt must be resolved first.
    await writeFile(path.join(dir, broken, 'migration.sql'), 'CREATE TABLE authors (id INTEGER PRIMARY KEY);\n');
    await expect(applyMigrations(url, dir, testLogger())).rejects.toThrow(
      `migration ${broken} failed earlier; fix it and mark it rolled back before migrating again`,
    );
    expect((await migrationRows(url)).filter((row) => row.migration_name === broken)).toHaveLength(1);

    await query(url, 'UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE finished_at IS NULL');
    expect(await applyMigrations(url, dir, testLogger())).toEqual([broken]);
    expect(await query(url, "SELECT to_regclass('authors')::text AS authors")).toEqual([{ authors: 'authors' }]);
    const attempts = (await migrationRows(url)).filter((row) => row.migration_name === broken);
    expect(attempts.map((row) => [row.rolled_back_at !== null, row.finished_at !== null])).toEqual([
      [true, false],
      [false, true],
    ]);
  });

  it('warns, and applies nothing, when an applied migration was edited since', async () => {
    const url = await freshDatabase();
    const dir = await migrationsFolder({ [first]: firstSql });
    await applyMigrations(url, dir, testLogger());
    await writeFile(path.join(dir, first, 'migration.sql'), `${firstSql}-- edited\n`);

    const lines: string[] = [];
    const destination = new PassThrough();
    destination.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    expect(await applyMigrations(url, dir, createLogger('test', { level: 'warn', destination }))).toEqual([]);

    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ level: 40, migration: first, msg: expect.stringMatching(/edited/) }),
    ]);
  });
});
