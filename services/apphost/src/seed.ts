import { seedCatalogOverHttp } from '@bookstore/catalog/seed';
import pg from 'pg';

/**
 * Fills an empty catalog with Catalog's own seeder (through the gateway, so each book is announced with
 * BookUpserted like any other), then waits until Orders' price replica has every book of the catalog, so the
 * first order can't race it. Returns how many books it added (0 when the catalog already had books).
 */
export async function seedCatalog({ gatewayUrl, adminToken, ordersDatabaseUrl }: { gatewayUrl: string; adminToken: string; ordersDatabaseUrl: string }): Promise<number> {
  const added = await seedCatalogOverHttp({ catalogUrl: gatewayUrl, adminToken });
  if (added > 0) await waitForReplica(ordersDatabaseUrl, (await fetchJson(`${gatewayUrl}/api/catalog/books?pageSize=1`)).total);
  return added;
}

async function waitForReplica(ordersDatabaseUrl: string, count: number, timeoutMs = 30_000): Promise<void> {
  const client = new pg.Client({ connectionString: ordersDatabaseUrl });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ count: number }>('SELECT count(*)::int AS count FROM book_replicas');
      if ((rows[0]?.count ?? 0) >= count) return;
      if (Date.now() > deadline) throw new Error(`Orders has ${rows[0]?.count} of ${count} books after ${timeoutMs} ms; is the bus flowing?`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.end();
  }
}

async function fetchJson(url: string): Promise<{ total: number }> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return (await response.json()) as { total: number };
}
