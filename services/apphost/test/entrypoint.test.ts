import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createAwsClients, provisionTopology, resolveTopology } from '@bookstore/events';
import { ensureDatabase } from '@bookstore/kit';
import { query, testInfrastructure, uniqueSuffix } from '@bookstore/kit/testing';

/** A service as its container runs it: its own process, configured by environment, stopped by SIGTERM. */
const root = path.join(__dirname, '../../..');
const suffix = uniqueSuffix();
const prefix = `t${suffix}-`;
const databaseUrl = () => {
  const url = new URL(testInfrastructure().postgresUrl);
  url.pathname = `/orders_entry_${suffix}`;
  return url.toString();
};

function run(command: string, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'services/orders/src/main.ts', command], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl(),
      AWS_ENDPOINT_URL: testInfrastructure().awsEndpoint,
      TOPOLOGY_PREFIX: prefix,
      ADMIN_TOKEN: 'entrypoint-admin-token-123',
      ORDER_TOKEN_KEY: 'entrypoint-order-token-key-0123456789',
      SQS_WAIT_TIME_SECONDS: '1',
      PORT: '0',
      HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  const [code] = await once(child, 'exit');
  return code as number | null;
}

describe('the service entrypoint', () => {
  it('migrate creates the database, applies the migrations and exits 0', async () => {
    expect(await exitCode(run('migrate'))).toBe(0);
    const tables = await query<{ table_name: string }>(databaseUrl(), `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
    expect(tables.map(({ table_name }) => table_name)).toEqual(expect.arrayContaining(['orders', 'outbox_events', 'processed_events', '_prisma_migrations']));
    expect(await exitCode(run('migrate'))).toBe(0); // idempotent
  });

  it("migrate with DATABASE_ADMIN_URL creates the service's own role and database, and migrates as that role", async () => {
    const server = new URL(testInfrastructure().postgresUrl);
    const as = (user: string, password: string, database: string) => Object.assign(new URL(server), { username: user, password, pathname: `/${database}` }).toString();
    const [admin, role] = [`master_${suffix}`, `orders_svc_${suffix}`];
    await query(as('postgres', 'postgres', 'postgres'), `CREATE ROLE ${admin} LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD 'master-password'`);
    const own = as(role, 'service-password', `orders_own_${suffix}`);

    expect(await exitCode(run('migrate', { DATABASE_URL: own, DATABASE_ADMIN_URL: as(admin, 'master-password', 'postgres') }))).toBe(0);

    const tables = await query<{ tableowner: string }>(own, `SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'`);
    expect(tables).toEqual([{ tableowner: role }]);
  });

  it('serves, reports ready, and stops gracefully on SIGTERM with exit code 0', async () => {
    await ensureDatabase(testInfrastructure().postgresUrl, `orders_entry_${suffix}`);
    await provisionTopology(createAwsClients({ endpoint: testInfrastructure().awsEndpoint }), resolveTopology(prefix));
    const service = run('all');
    let output = '';
    service.stdout!.on('data', (chunk) => (output += chunk));
    const port = await new Promise<number>((resolve, reject) => {
      service.stdout!.on('data', () => {
        const started = /"port":(\d+).*"msg":"orders started"/.exec(output);
        if (started) resolve(Number(started[1]));
      });
      service.once('exit', () => reject(new Error(`the service exited before starting:\n${output}`)));
    });

    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', queue: 'ok' } });

    service.kill('SIGTERM');
    expect(await exitCode(service)).toBe(0);
    expect(output).toContain('stopping gracefully');
  });

  it('refuses to start with missing configuration, saying what is missing', async () => {
    const child = run('api', { ADMIN_TOKEN: '', DATABASE_URL: 'not a url' });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    expect(await exitCode(child)).toBe(1);
    expect(output).toContain('DATABASE_URL');
    expect(output).toContain('ADMIN_TOKEN');
  });
});
