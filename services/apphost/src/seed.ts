import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

const seedFile = path.join(__dirname, '../../catalog/seed/books.json');

/**
 * Fills an empty catalog through Catalog's own admin API, so each book is announced with BookUpserted
 * like any other, then waits until Orders' price replica has all of them, so the first order can't race it.
 * Returns how many books it added (0 when the catalog already had books).
 */
export async function seedCatalog({ gatewayUrl, adminToken, ordersDatabaseUrl }: { gatewayUrl: string; adminToken: string; ordersDatabaseUrl: string }): Promise<number> {
  const existing = await fetchJson(`${gatewayUrl}/api/catalog/books?pageSize=1`);
  if (existing.total > 0) return 0;

  const books: object[] = JSON.parse(await readFile(seedFile, 'utf8'));
  for (const book of books) {
    const response = await fetch(`${gatewayUrl}/api/catalog/books`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify(book),
    });
    if (response.status !== 201 && response.status !== 409) throw new Error(`seeding failed: ${response.status} ${await response.text()}`);
  }
  await waitForReplica(ordersDatabaseUrl, books.length);
  return books.length;
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
