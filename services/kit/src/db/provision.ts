import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../logger';
import { applyMigrations } from './migrate';
import { createDatabaseIfMissing, ensureDatabase, isConcurrentCreation } from './pool';

/**
 * First key of the advisory lock that serializes provisioning runs for one database (the second key is a
 * hash of its name). Two runs for the same service are not only racing CREATE ROLE and CREATE DATABASE,
 * which could be tolerated: concurrent ALTER ROLE or REVOKE on the same catalog row fail outright with
 * "tuple concurrently updated" (XX000). The two-key form never collides with Prisma's one-key lock.
 */
const provisioningLock = 0x626b7374; // "bkst"

/** What a provisioning run changed; all false and empty on a run that found everything in place. */
export interface ProvisioningReport {
  role: string;
  database: string;
  roleCreated: boolean;
  passwordChanged: boolean;
  /** The admin was granted the role WITH SET, INHERIT (needed to hand it ownership and to reach its database). */
  membershipGranted: boolean;
  databaseCreated: boolean;
  /** The database belonged to the admin (created before this change, or by RDS as the instance's first database). */
  databaseTransferred: boolean;
  /** Objects in the database that belonged to the admin and now belong to the role, as `<type> <identity>`. */
  objectsTransferred: string[];
  /** PUBLIC's default CONNECT and TEMPORARY on the database were revoked. */
  publicRevoked: boolean;
}

/** The `ALTER <kind>` for each object type pg_identify_object names that the admin may have created there. */
const alterKinds: Record<string, string> = {
  schema: 'SCHEMA',
  table: 'TABLE',
  view: 'VIEW',
  'materialized view': 'MATERIALIZED VIEW',
  'foreign table': 'FOREIGN TABLE',
  sequence: 'SEQUENCE',
  type: 'TYPE', // enums, composites, domains and ranges; array and multirange types follow their base type
  function: 'FUNCTION',
  procedure: 'PROCEDURE',
  aggregate: 'AGGREGATE',
};

/**
 * Gives a service its own login role and database on a server it shares with others, as the server's admin
 * (RDS's master user: CREATEDB and CREATEROLE, not a superuser), idempotently and safely against concurrent runs:
 *
 * 1. the role named by `serviceUrl`'s user, with its password, is created, or its password is set when it no
 *    longer logs in with it (a rotated secret);
 * 2. the admin is granted the role WITH SET, INHERIT: since PostgreSQL 16 a non-superuser creator gets only
 *    ADMIN OPTION, yet CREATE DATABASE ... OWNER and ALTER ... OWNER TO need SET ROLE rights on the new owner,
 *    and reaching the database after step 5 needs the owner's privileges;
 * 3. the database named by `serviceUrl` is created, owned by the role;
 * 4. if it already existed owned by the admin, it and every object in it that the admin owns are handed to the
 *    role, so that the role's migrations can alter them (never with REASSIGN OWNED, which would also hand the
 *    role every other database the admin owns on the server);
 * 5. PUBLIC loses CONNECT (and TEMPORARY) on it, so no other service's role can connect; its owner keeps them.
 *
 * Neither password is ever logged; the role's is sent to the server only as a SCRAM-SHA-256 verifier.
 */
export async function provisionServiceDatabase(adminUrl: string, serviceUrl: string, logger: Logger): Promise<ProvisioningReport> {
  // Decoded as pg decodes a connection string, so that the names are those the service will log in with.
  const service = new URL(serviceUrl);
  const role = decodeURIComponent(service.username);
  const password = decodeURIComponent(service.password);
  const database = decodeURI(service.pathname.slice(1));
  if (!role || !password || !database) {
    throw new Error("DATABASE_URL must name the service's own role, its password and its database when DATABASE_ADMIN_URL is set");
  }
  const report: ProvisioningReport = {
    role,
    database,
    roleCreated: false,
    passwordChanged: false,
    membershipGranted: false,
    databaseCreated: false,
    databaseTransferred: false,
    objectsTransferred: [],
    publicRevoked: false,
  };
  const roleName = pg.escapeIdentifier(role);
  const databaseName = pg.escapeIdentifier(database);

  const admin = new pg.Client({ connectionString: withPath(adminUrl, '/postgres') });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock($1, hashtext($2))', [provisioningLock, database]);
    const { rows: [self] } = await admin.query<{ name: string; version: number }>(
      "SELECT current_user AS name, current_setting('server_version_num')::int AS version",
    );
    if (self!.version < 160000) throw new Error('provisioning service roles needs PostgreSQL 16 or later');
    if (self!.name === role) throw new Error(`DATABASE_URL's user is the admin (${role}) itself; give the service a role of its own`);

    // 1. The role.
    const { rowCount: roleExists } = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    if (!roleExists) {
      try {
        await admin.query(`CREATE ROLE ${roleName} LOGIN PASSWORD ${admin.escapeLiteral(scramSha256Verifier(password))}`);
        report.roleCreated = true;
      } catch (error) {
        if (!isConcurrentCreation(error)) throw error; // created meanwhile by a run that did not take the lock
      }
    }

    // 2. The admin's SET and INHERIT on it.
    const { rows: [membership] } = await admin.query<{ set: boolean; inherit: boolean }>(
      "SELECT pg_has_role(current_user, $1, 'SET') AS set, pg_has_role(current_user, $1, 'USAGE') AS inherit",
      [role],
    );
    if (!membership!.set || !membership!.inherit) {
      await admin.query(`GRANT ${roleName} TO CURRENT_USER WITH INHERIT TRUE, SET TRUE`);
      report.membershipGranted = true;
    }

    // 3 and 4. The database, owned by the role.
    report.databaseCreated = await createDatabaseIfMissing(admin, database, role);
    const { rows: [owner] } = await admin.query<{ name: string }>('SELECT pg_get_userbyid(datdba) AS name FROM pg_database WHERE datname = $1', [database]);
    if (owner!.name !== role) {
      if (owner!.name !== self!.name) {
        throw new Error(`database ${database} belongs to ${owner!.name}, neither to ${role} nor to the admin; refusing to take it over`);
      }
      // First the database: only its owner (through pg_database_owner) may create in its public schema, and
      // ALTER ... OWNER TO requires that of the new owner.
      await admin.query(`ALTER DATABASE ${databaseName} OWNER TO ${roleName}`);
      report.databaseTransferred = true;
    }
    // Every run, so that a run that died half-way is completed by the next one.
    report.objectsTransferred = await transferAdminObjects(withPath(adminUrl, service.pathname), role, logger);

    // 5. Nobody but its owner (and the roles that hold its privileges, the admin) connects.
    const { rows: [acl] } = await admin.query<{ public: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                      WHERE d.datname = $1 AND a.grantee = 0) AS public`,
      [database],
    );
    if (acl!.public) {
      await admin.query(`REVOKE ALL ON DATABASE ${databaseName} FROM PUBLIC`);
      report.publicRevoked = true;
    }

    // 1 again, for an existing role: its password is set only if it no longer logs in with it.
    if (!report.roleCreated && !(await logsIn(serviceUrl))) {
      await admin.query(`ALTER ROLE ${roleName} WITH LOGIN PASSWORD ${admin.escapeLiteral(scramSha256Verifier(password))} VALID UNTIL 'infinity'`);
      report.passwordChanged = true;
    }
  } finally {
    // Ending the session releases the advisory lock too.
    await admin.end();
  }
  const changes = Object.entries(report).filter(([, value]) => value === true || (Array.isArray(value) && value.length > 0));
  logger.info({ ...report }, changes.length ? 'provisioned the service role and database' : 'service role and database already in place');
  return report;
}

/** Hands the role every object in its database that the admin owns (the connection is the admin's, in that database). */
async function transferAdminObjects(adminDatabaseUrl: string, role: string, logger: Logger): Promise<string[]> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl });
  await client.connect();
  try {
    // pg_shdepend records each object's owner (but the bootstrap superuser's). Left out: objects of extensions,
    // which follow their extension, and sequences owned by a column, which follow their table.
    const { rows } = await client.query<{ type: string; identity: string }>(
      `SELECT o.type, o.identity
         FROM pg_shdepend d CROSS JOIN LATERAL pg_identify_object(d.classid, d.objid, d.objsubid) o
        WHERE d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND d.refclassid = 'pg_authid'::regclass AND d.deptype = 'o'
          AND d.refobjid = (SELECT oid FROM pg_roles WHERE rolname = current_user)
          AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = d.classid AND e.objid = d.objid AND e.deptype = 'e')
          AND NOT EXISTS (SELECT 1 FROM pg_depend s WHERE d.classid = 'pg_class'::regclass AND s.classid = 'pg_class'::regclass
                          AND s.objid = d.objid AND s.refclassid = 'pg_class'::regclass AND s.deptype IN ('a', 'i'))
        ORDER BY o.type <> 'schema', o.type, o.identity`,
    );
    const movable = rows.filter((row) => alterKinds[row.type]);
    const left = rows.filter((row) => !alterKinds[row.type]);
    if (left.length) logger.warn({ objects: left.map((row) => `${row.type} ${row.identity}`) }, 'objects the admin owns in the service database were left as they are');
    if (!movable.length) return [];
    await client.query('BEGIN');
    try {
      for (const { type, identity } of movable) {
        // pg_identify_object's identity is already quoted for use in SQL.
        await client.query(`ALTER ${alterKinds[type]} ${identity} OWNER TO ${pg.escapeIdentifier(role)}`);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    return movable.map((row) => `${row.type} ${row.identity}`);
  } finally {
    await client.end();
  }
}

/** True if the URL's user logs in with its password; false if the server refuses the credentials. */
async function logsIn(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return true;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // 28P01 invalid_password, 28000 invalid_authorization_specification (such as a role without LOGIN).
    if (code === '28P01' || code === '28000') return false;
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802, RFC 7677; PostgreSQL's own
 * pg_fe_scram_build_secret). CREATE and ALTER ROLE accept it in place of the password, so the password itself
 * never reaches the server, where a log_statement setting or a failing statement would write it to the log.
 */
export function scramSha256Verifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(saslprep(password), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** SASLprep's mappings and normalization (RFC 4013), as PostgreSQL applies them to a password and pg's client does. */
function saslprep(password: string): string {
  return password
    .replace(/[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g, ' ')
    .replace(/[\u00AD\u034F\u1806\u180B-\u180D\u200C\u200D\u2060\uFE00-\uFE0F\uFEFF]/g, '')
    .normalize('NFKC');
}

/** The URL with another database: `path` as a URL spells it, such as the service URL's own. */
function withPath(url: string, path: string): string {
  const copy = new URL(url);
  copy.pathname = path;
  return copy.toString();
}

export interface MigrateOptions {
  /** The service's own URL: its role, password and database. */
  databaseUrl: string;
  /** The server's admin (RDS master user); when given, the role and database are provisioned with it first. */
  adminUrl?: string;
  migrationsDir: string;
  logger: Logger;
}

/**
 * What a service container's `migrate` command does. With an admin URL: provisions the service's role and
 * database (provisionServiceDatabase), then applies the migrations as the service's role, so that the tables
 * belong to it. Without one (local stack, compose, tests): creates the database if missing as the URL's own
 * user, then migrates. Returns the migrations applied.
 */
export async function migrateServiceDatabase({ databaseUrl, adminUrl, migrationsDir, logger }: MigrateOptions): Promise<string[]> {
  const database = decodeURI(new URL(databaseUrl).pathname.slice(1));
  if (adminUrl) await provisionServiceDatabase(adminUrl, databaseUrl, logger);
  else await ensureDatabase(databaseUrl, database);
  return applyMigrations(databaseUrl, migrationsDir, logger);
}
