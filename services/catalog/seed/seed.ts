/**
 * Fills an empty catalog with the books of books.json through Catalog's own admin API, so that each book is
 * announced with BookUpserted like any other and reaches Orders' price replica. Does nothing when the catalog
 * already has books, so it can run on every start. docker-compose.yml runs it as the one-shot `seed` service
 * (`npm start` seeds with services/apphost/src/seed.ts, which also waits for Orders' replica).
 *
 *   CATALOG_URL=http://localhost:3001 ADMIN_TOKEN=... npx tsx services/catalog/seed/seed.ts
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { services } from '@bookstore/kit/platform';

export const seedBooksFile = path.join(__dirname, 'books.json');

/** Returns how many books it added: 0 when the catalog already had some. */
export async function seedCatalogOverHttp({ catalogUrl, adminToken }: { catalogUrl: string; adminToken: string }): Promise<number> {
  const books = services.catalog.pathPrefix + '/books';
  const existing = await fetch(`${catalogUrl}${books}?pageSize=1`);
  if (!existing.ok) throw new Error(`GET ${books} answered ${existing.status}`);
  if (((await existing.json()) as { total: number }).total > 0) return 0;

  const seed: object[] = JSON.parse(readFileSync(seedBooksFile, 'utf8'));
  let added = 0;
  for (const book of seed) {
    const response = await fetch(`${catalogUrl}${books}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify(book),
    });
    // 409: the ISBN is there already (a seed that was interrupted and started again).
    if (response.status === 201) added += 1;
    else if (response.status !== 409) throw new Error(`seeding failed: ${response.status} ${await response.text()}`);
  }
  return added;
}

if (require.main === module) {
  const catalogUrl = process.env.CATALOG_URL ?? `http://127.0.0.1:${services.catalog.port}`;
  const adminToken = process.env.ADMIN_TOKEN;
  if (!adminToken) {
    console.error('ADMIN_TOKEN is not set');
    process.exit(1);
  }
  seedCatalogOverHttp({ catalogUrl, adminToken }).then(
    (added) => console.log(JSON.stringify({ msg: added > 0 ? 'catalog seeded' : 'catalog already has books', added })),
    (error: unknown) => {
      console.error(`seeding the catalog failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
