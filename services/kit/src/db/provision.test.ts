import { readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { createLogger } from '../logger';
import { query, testInfrastructure, testLogger, uniqueSuffix } from '../testing';
import { applyMigrations } from './migrate';
import { migrateServiceDatabase, provisionServiceDatabase, scramSha256Verifier } from './provision';

/**
 * The provisioning runs as an admin shaped like RDS's master user: LOGIN, CREATEDB, CREATEROLE, not a
 * superuser (on RDS it is a member of rds_superuser, which grants no more than that here). Everything is
 * checked by logging in as the roles themselves on the real server.
 */
const catalogMigrations = path.join(__dirname, '../../../catalog/prisma/migrations');
const ordersMigrations = path.join(__dirname, '../../../orders/prisma/migrations');
/** Every migration of a service, in the order they apply: what a first migrate reports as applied. */
const allMigrations = (dir: string) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map(({ name }) => name)
    .sort();

const server = new URL(testInfrastructure().postgresUrl);
const urlFor = (user: string, password: string, database: string) => {
  const url = new URL(server);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  url.pathname = `/${database}`;
  return url.toString();
};
const asSuperuser = <R extends Record<string, unknown>>(database: string, sql: string, values: unknown[] = []) => query<R>(urlFor('postgres', 'postgres', database), sql, values);
const connectError = (url: string) => query(url, 'SELECT 1').then(() => undefined, (error: { code?: string; message: string }) => error);

const admin = { name: `rds_master_${uniqueSuffix()}`, password: `master-${uniqueSuffix()}` };
const adminUrl = urlFor(admin.name, admin.password, 'postgres');

/** A service's own URL: its role (named like its database here) with a password, and its database. */
const service = (name: string, password = `pw-${uniqueSuffix()}`) => {
  const database = `${name}_${uniqueSuffix()}`;
  return { role: database, database, password, url: urlFor(database, password, database) };
};

const folders: string[] = [];
beforeAll(async () => {
  await asSuperuser('postgres', `CREATE ROLE ${admin.name} LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD '${admin.password}'`);
  expect(await asSuperuser('postgres', 'SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = $1', [admin.name])).toEqual([
    { rolsuper: false, rolcreaterole: true, rolcreatedb: true },
  ]);
});
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Everything in a database that has an owner (tables, sequences, types, functions, schemas), with its owner. */
const ownersIn = async (database: string) =>
  new Set(
    (
      await asSuperuser<{ owner: string }>(
        database,
        `SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relnamespace = 'public'::regnamespace
         UNION SELECT pg_get_userbyid(typowner) FROM pg_type WHERE typnamespace = 'public'::regnamespace
         UNION SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE pronamespace = 'public'::regnamespace
         UNION SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'`,
      )
    ).map((row) => row.owner),
  );
const databaseOwner = async (database: string) =>
  (await asSuperuser<{ owner: string }>('postgres', 'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [database]))[0]?.owner;
const storedPassword = async (role: string) =>
  (await asSuperuser<{ rolpassword: string }>('postgres', 'SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]))[0]?.rolpassword;
const databaseAcl = async (database: string) => (await asSuperuser<{ acl: string }>('postgres', 'SELECT datacl::text AS acl FROM pg_database WHERE datname = $1', [database]))[0]?.acl;

describe('migrate with DATABASE_ADMIN_URL', () => {
  it('provisions two services at once: each role owns its database and everything its migrations created', async () => {
    const [catalog, orders] = [service('catalog'), service('orders')];

    const applied = await Promise.all([
      migrateServiceDatabase({ databaseUrl: catalog.url, adminUrl, migrationsDir: catalogMigrations, logger: testLogger() }),
      migrateServiceDatabase({ databaseUrl: orders.url, adminUrl, migrationsDir: ordersMigrations, logger: testLogger() }),
    ]);

    expect(applied).toEqual([allMigrations(catalogMigrations), allMigrations(ordersMigrations)]);
    for (const { role, database } of [catalog, orders]) {
      expect(await databaseOwner(database)).toBe(role);
      // The public schema belongs to pg_database_owner, which is the role in its own database.
      expect(await ownersIn(database)).toEqual(new Set([role, 'pg_database_owner']));
      expect(await asSuperuser('postgres', 'SELECT rolsuper, rolcreatedb, rolcreaterole, rolcanlogin FROM pg_roles WHERE rolname = $1', [role])).toEqual([
        { rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolcanlogin: true },
      ]);
    }
    // The role uses its database: its tables, the trigger and function on them, and creating more.
    await query(catalog.url, `INSERT INTO outbox_events (id, type, payload) VALUES (gen_random_uuid(), 'BookAdded', '{}')`);
    expect(await query(catalog.url, 'SELECT type FROM outbox_events')).toEqual([{ type: 'BookAdded' }]);
    await query(catalog.url, 'CREATE TABLE scratch (n INTEGER); DROP TABLE scratch');
    expect(await query(orders.url, 'SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 0 }]);
  });

  it("closes each service's database to every other role: another service's, and any other login", async () => {
    const [catalog, orders] = [service('catalog'), service('orders')];
    await migrateServiceDatabase({ databaseUrl: catalog.url, adminUrl, migrationsDir: catalogMigrations, logger: testLogger() });
    await migrateServiceDatabase({ databaseUrl: orders.url, adminUrl, migrationsDir: ordersMigrations, logger: testLogger() });

    const intruder = await connectError(urlFor(catalog.role, catalog.password, orders.database));
    expect(intruder).toMatchObject({ code: '42501', message: `permission denied for database "${orders.database}"` });
    expect(await connectError(urlFor(orders.role, orders.password, catalog.database))).toMatchObject({ code: '42501' });

    const stranger = `stranger_${uniqueSuffix()}`;
    await asSuperuser('postgres', `CREATE ROLE ${stranger} LOGIN PASSWORD 'stranger'`);
    expect(await connectError(urlFor(stranger, 'stranger', catalog.database))).toMatchObject({ code: '42501' });
    // Each owner still connects, and PUBLIC holds nothing on either database.
    expect(await connectError(catalog.url)).toBeUndefined();
    expect(await connectError(orders.url)).toBeUndefined();
    for (const { role, database } of [catalog, orders]) expect(await databaseAcl(database)).toBe(`{${role}=CTc/${role}}`);
  });

  it('changes nothing on a second run', async () => {
    const catalog = service('catalog');
    await migrateServiceDatabase({ databaseUrl: catalog.url, adminUrl, migrationsDir: catalogMigrations, logger: testLogger() });
    const before = { password: await storedPassword(catalog.role), acl: await databaseAcl(catalog.database), owners: await ownersIn(catalog.database) };

    const report = await provisionServiceDatabase(adminUrl, catalog.url, testLogger());
    expect(report).toEqual({
      role: catalog.role,
      database: catalog.database,
      roleCreated: false,
      passwordChanged: false,
      membershipGranted: false,
      databaseCreated: false,
      databaseTransferred: false,
      objectsTransferred: [],
      publicRevoked: false,
    });
    expect(await migrateServiceDatabase({ databaseUrl: catalog.url, adminUrl, migrationsDir: catalogMigrations, logger: testLogger() })).toEqual([]);
    expect({ password: await storedPassword(catalog.role), acl: await databaseAcl(catalog.database), owners: await ownersIn(catalog.database) }).toEqual(before);
  });

  it('sets a rotated password: the old one no longer logs in, the new one does', async () => {
    const before = service('catalog', 'the-old-password');
    await migrateServiceDatabase({ databaseUrl: before.url, adminUrl, migrationsDir: catalogMigrations, logger: testLogger() });
    const after = urlFor(before.role, 'the-new-password', before.database);

    expect(await connectError(after)).toMatchObject({ code: '28P01' });
    const report = await provisionServiceDatabase(adminUrl, after, testLogger());

    expect(report).toMatchObject({ roleCreated: false, passwordChanged: true, databaseCreated: false });
    expect(await connectError(before.url)).toMatchObject({ code: '28P01' });
    expect(await connectError(after)).toBeUndefined();
    expect(await migrateServiceDatabase({ databaseUrl: after, adminUrl, migrationsDir: catalogMigrations, logger: testLogger() })).toEqual([]);
  });

  it('lets concurrent runs for one service all succeed, creating it once, and rotating its password once', async () => {
    const catalog = service('catalog');
    const runs = () => Array.from({ length: 3 }, () => provisionServiceDatabase(adminUrl, catalog.url, testLogger()));

    const created = await Promise.all(runs());
    expect(created.filter((report) => report.roleCreated)).toHaveLength(1);
    expect(created.filter((report) => report.databaseCreated)).toHaveLength(1);
    expect(await databaseOwner(catalog.database)).toBe(catalog.role);

    catalog.url = urlFor(catalog.role, 'rotated-password', catalog.database);
    const rotated = await Promise.all(runs());
    expect(rotated.filter((report) => report.passwordChanged)).toHaveLength(1);
    expect(await connectError(catalog.url)).toBeUndefined();

    const migrated = await Promise.all(
      Array.from({ length: 3 }, () => migrateServiceDatabase({ databaseUrl: catalog.url, adminUrl, migrationsDir: catalogMigrations, logger: testLogger() })),
    );
    expect(migrated.flat()).toEqual(allMigrations(catalogMigrations));
    expect(await ownersIn(catalog.database)).toEqual(new Set([catalog.role, 'pg_database_owner']));
  });

  it('takes over a database the admin created and migrated before, with everything in it, and nothing else', async () => {
    // As deployed before this change: the admin created the database and applied the migrations as itself.
    const catalog = service('catalog');
    const bystander = `bystander_${uniqueSuffix()}`;
    await query(adminUrl, `CREATE DATABASE ${catalog.database}`);
    await query(adminUrl, `CREATE DATABASE ${bystander}`);
    await applyMigrations(urlFor(admin.name, admin.password, catalog.database), catalogMigrations, testLogger());
    await query(urlFor(admin.name, admin.password, catalog.database), `INSERT INTO processed_events (event_id, type) VALUES (gen_random_uuid(), 'Kept')`);
    // A function too, as migrations may create (the outbox's notify trigger did until it was dropped).
    await query(urlFor(admin.name, admin.password, catalog.database), 'CREATE FUNCTION kept_function() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$');
    expect(await ownersIn(catalog.database)).toEqual(new Set([admin.name, 'pg_database_owner']));

    // The next migration alters a table the admin created: only its owner may.
    const migrations = await mkdtemp(path.join(os.tmpdir(), 'migrations-'));
    folders.push(migrations);
    await cp(catalogMigrations, migrations, { recursive: true });
    await mkdir(path.join(migrations, '20270101000000_subtitle'));
    await writeFile(path.join(migrations, '20270101000000_subtitle', 'migration.sql'), 'ALTER TABLE "books" ADD COLUMN "subtitle" TEXT;\n');

    const report = await provisionServiceDatabase(adminUrl, catalog.url, testLogger());
    expect(report).toMatchObject({ roleCreated: true, databaseCreated: false, databaseTransferred: true, publicRevoked: true });
    expect(report.objectsTransferred).toEqual(
      expect.arrayContaining(['table public.books', 'table public._prisma_migrations', 'type public."ReservationStatus"', 'function public.kept_function()']),
    );
    expect(await migrateServiceDatabase({ databaseUrl: catalog.url, adminUrl, migrationsDir: migrations, logger: testLogger() })).toEqual(['20270101000000_subtitle']);

    expect(await databaseOwner(catalog.database)).toBe(catalog.role);
    expect(await ownersIn(catalog.database)).toEqual(new Set([catalog.role, 'pg_database_owner']));
    expect(await query(catalog.url, 'SELECT type, subtitle FROM processed_events, books')).toEqual([]);
    expect(await query(catalog.url, 'SELECT type FROM processed_events')).toEqual([{ type: 'Kept' }]);
    // REASSIGN OWNED would have handed the role every database the admin owns; this one stays the admin's.
    expect(await databaseOwner(bystander)).toBe(admin.name);
    expect((await provisionServiceDatabase(adminUrl, catalog.url, testLogger())).objectsTransferred).toEqual([]);
  });

  it('quotes names and password that SQL would otherwise misread', async () => {
    const name = `Catalog "svc"; DROP ROLE x -- ${uniqueSuffix()}`;
    const url = urlFor(name, `it's a \\ "password" ${uniqueSuffix()}`, `${name} db`);

    expect(await migrateServiceDatabase({ databaseUrl: url, adminUrl, migrationsDir: catalogMigrations, logger: testLogger() })).toEqual(allMigrations(catalogMigrations));

    expect(await databaseOwner(`${name} db`)).toBe(name);
    expect(await query(url, 'SELECT current_user AS role, current_database() AS database')).toEqual([{ role: name, database: `${name} db` }]);
  });

  it('refuses to take over a database that belongs to some other role', async () => {
    const catalog = service('catalog');
    await asSuperuser('postgres', `CREATE DATABASE ${catalog.database}`);

    await expect(provisionServiceDatabase(adminUrl, catalog.url, testLogger())).rejects.toThrow(
      `database ${catalog.database} belongs to postgres, neither to ${catalog.role} nor to the admin; refusing to take it over`,
    );
    expect(await databaseOwner(catalog.database)).toBe('postgres');
  });

  it("refuses a DATABASE_URL without a password, or with the admin's own user", async () => {
    const catalog = service('catalog');
    await expect(provisionServiceDatabase(adminUrl, urlFor(catalog.role, '', catalog.database), testLogger())).rejects.toThrow(/its password/);
    await expect(provisionServiceDatabase(adminUrl, urlFor(admin.name, admin.password, catalog.database), testLogger())).rejects.toThrow(
      /is the admin .* itself/,
    );
  });

  it("writes neither password to its log, and sends the server only a SCRAM verifier of the service's", async () => {
    const lines: string[] = [];
    const destination = new PassThrough();
    destination.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
    const logger = createLogger('test', { level: 'trace', destination });
    const statements: string[] = [];
    const original = pg.Client.prototype.query;
    const spy = jest.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      statements.push(typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: unknown }).text));
      return (original as (...all: unknown[]) => unknown).apply(this, args) as never;
    });
    const catalog = service('catalog', `secret-${uniqueSuffix()}`);
    const rotated = `rotated-${uniqueSuffix()}`;
    try {
      await migrateServiceDatabase({ databaseUrl: catalog.url, adminUrl, migrationsDir: catalogMigrations, logger });
      await provisionServiceDatabase(adminUrl, urlFor(catalog.role, rotated, catalog.database), logger);
    } finally {
      spy.mockRestore();
    }

    const log = lines.join('');
    expect(log).toContain(catalog.role);
    for (const secret of [catalog.password, rotated, admin.password]) {
      expect(log).not.toContain(secret);
      expect(statements.join('\n')).not.toContain(secret);
    }
    expect(statements.filter((sql) => /^(CREATE|ALTER) ROLE/.test(sql))).toEqual([
      expect.stringMatching(/^CREATE ROLE .* LOGIN PASSWORD 'SCRAM-SHA-256\$4096:[^']+'$/),
      expect.stringMatching(/^ALTER ROLE .* WITH LOGIN PASSWORD 'SCRAM-SHA-256\$4096:[^']+' VALID UNTIL 'infinity'$/),
    ]);
    expect(await storedPassword(catalog.role)).toMatch(/^SCRAM-SHA-256\$4096:/);
  });
});

describe('scramSha256Verifier', () => {
  it('computes what PostgreSQL stores for the same password, salt and iterations, SASLprep included', async () => {
    for (const password of ['plain-ascii-40-characters-long-0123456789', 'p\u00e4ss w\u00f6rd', 'non\u00a0breaking \ufb01ligature']) {
      const role = `scram_${uniqueSuffix()}`;
      await asSuperuser('postgres', `SET password_encryption = 'scram-sha-256'; CREATE ROLE ${role} PASSWORD '${password}'`);
      const stored = (await storedPassword(role))!;
      const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored)!;

      expect(scramSha256Verifier(password, Buffer.from(salt!, 'base64'), Number(iterations))).toBe(stored);
    }
  });
});

describe('migrate without DATABASE_ADMIN_URL', () => {
  it("creates the database if missing as the URL's own user, and migrates, as before", async () => {
    const database = `catalog_${uniqueSuffix()}`;
    const url = urlFor('postgres', 'postgres', database);

    expect(await migrateServiceDatabase({ databaseUrl: url, migrationsDir: catalogMigrations, logger: testLogger() })).toEqual(allMigrations(catalogMigrations));
    expect(await databaseOwner(database)).toBe('postgres');
    expect(await migrateServiceDatabase({ databaseUrl: url, migrationsDir: catalogMigrations, logger: testLogger() })).toEqual([]);
  });
});
