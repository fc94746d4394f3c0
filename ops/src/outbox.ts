import { serviceNames, services, type ServiceName } from '@bookstore/kit/platform';
import pg from 'pg';
import { location } from './databases';
import { errorMessage } from './format';

export interface OutboxStatus {
  service: ServiceName;
  /** host:port/database, without credentials. */
  database: string;
  /** Events written but not yet published to SNS; undefined when the database could not be read. */
  unpublished?: number;
  /** When the oldest of them was written. */
  oldestCreatedAt?: Date;
  error?: string;
}

/** The server `npm start` runs (embedded PostgreSQL). */
export const localPostgresUrl = 'postgres://postgres:postgres@127.0.0.1:54320';

/**
 * Each service's database: `<SERVICE>_DATABASE_URL` when set, else its database on the server `serverUrl`
 * (from --postgres-url or DATABASE_URL), else on npm start's embedded server.
 */
export function outboxDatabaseUrls(env: NodeJS.ProcessEnv, serverUrl = env.DATABASE_URL ?? localPostgresUrl): Record<ServiceName, string> {
  const urlOf = (service: ServiceName) => {
    const own = env[`${service.toUpperCase()}_DATABASE_URL`];
    if (own) return own;
    if (!URL.canParse(serverUrl)) throw new Error('the PostgreSQL server (--postgres-url or DATABASE_URL) is not a URL');
    const url = new URL(serverUrl);
    url.pathname = `/${services[service].database}`;
    return url.toString();
  };
  return Object.fromEntries(serviceNames.map((service) => [service, urlOf(service)])) as Record<ServiceName, string>;
}

/** The outbox backlog of every service; a database that cannot be read is a status with an error. */
export function outboxReport(databaseUrls: Record<ServiceName, string>): Promise<OutboxStatus[]> {
  return Promise.all(serviceNames.map((service) => outboxStatus(service, databaseUrls[service])));
}

async function outboxStatus(service: ServiceName, databaseUrl: string): Promise<OutboxStatus> {
  const status: OutboxStatus = { service, database: location(databaseUrl) };
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000, query_timeout: 10_000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ count: number; oldest: Date | null }>(
      'SELECT count(*)::int AS count, min(created_at) AS oldest FROM outbox_events WHERE published_at IS NULL',
    );
    return { ...status, unpublished: rows[0]?.count ?? 0, oldestCreatedAt: rows[0]?.oldest ?? undefined };
  } catch (error) {
    return { ...status, error: errorMessage(error) };
  } finally {
    await client.end().catch(() => {}); // after a failed connect there is nothing to close
  }
}
