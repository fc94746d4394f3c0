import type { ServiceName } from '@bookstore/kit/platform';
import pg from 'pg';
import { errorMessage } from './format';

/** A part of the records that could not be read; the report shows the rest and says what is missing. */
export interface Unreadable {
  part: 'database' | 'dead-letter queue';
  service: ServiceName;
  /** host:port/database, or the queue and its endpoint. */
  location: string;
  error: string;
}

/**
 * One connection to each service's database for the time of a report. A database that cannot be connected to or
 * read is remembered with its first error, and every read of it then yields undefined: the report goes on without it.
 */
export class ServiceDatabases {
  private readonly failures: Unreadable[] = [];

  private constructor(
    private readonly clients: Map<ServiceName, pg.Client>,
    private readonly urls: Record<ServiceName, string>,
  ) {}

  static async open(urls: Record<ServiceName, string>): Promise<ServiceDatabases> {
    const databases = new ServiceDatabases(new Map(), urls);
    await Promise.all((Object.keys(urls) as ServiceName[]).map((service) => databases.connect(service)));
    return databases;
  }

  /** `query`'s result on a service's database; undefined when that database could not be read (see `unreadable`). */
  async read<T>(service: ServiceName, query: (client: pg.Client) => Promise<T>): Promise<T | undefined> {
    const client = this.clients.get(service);
    if (!client) return undefined;
    try {
      return await query(client);
    } catch (error) {
      this.fail(service, error);
      return undefined;
    }
  }

  get unreadable(): Unreadable[] {
    return [...this.failures];
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((client) => client.end().catch(() => {})));
  }

  private async connect(service: ServiceName): Promise<void> {
    // Finding an order's events searches each outbox by correlation id, which no index serves: allow for a long read.
    const client = new pg.Client({ connectionString: this.urls[service], connectionTimeoutMillis: 5_000, query_timeout: 30_000 });
    try {
      await client.connect();
      this.clients.set(service, client);
    } catch (error) {
      this.fail(service, error);
      await client.end().catch(() => {}); // after a failed connect there is nothing to close
    }
  }

  /** Remembers the first failure only: concurrent reads of a broken database would all fail the same way. */
  private fail(service: ServiceName, error: unknown): void {
    this.clients.delete(service);
    if (this.failures.some((failure) => failure.service === service)) return;
    this.failures.push({ part: 'database', service, location: location(this.urls[service]), error: errorMessage(error) });
  }
}

/** host:port/database of a database URL, without credentials. */
export function location(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.host}${url.pathname}`;
  } catch {
    return '(not a URL)';
  }
}
