import { readFileSync } from 'node:fs';
import { seedBooksFile, seedCatalogOverHttp } from '../../../catalog/seed/seed';
import { cards } from '../../src/testing';
import { adminToken, startTestStack, type TestStack } from '../support/stack';

/** What the compose stack's one-shot `seed` does, against the whole system on the test Postgres and emulator. */
describe('services/catalog/seed/seed.ts', () => {
  let stack: TestStack;
  const books: { isbn: string }[] = JSON.parse(readFileSync(seedBooksFile, 'utf8'));

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.stop());

  it('fills an empty catalog through its API, and then leaves it alone', async () => {
    const catalogUrl = stack.serviceUrls.catalog;
    expect(await seedCatalogOverHttp({ catalogUrl, adminToken })).toBe(books.length);
    const { body } = await stack.api.request('GET', '/api/catalog/books?pageSize=1');
    expect(body.total).toBe(books.length);
    expect(await seedCatalogOverHttp({ catalogUrl, adminToken })).toBe(0);
  });

  it('seeds books that can be bought', async () => {
    const { body } = await stack.api.request('GET', '/api/catalog/books?pageSize=1');
    const book = body.items[0];
    const placed = await stack.api.placeOrder([{ bookId: book.id, quantity: 1 }], await stack.api.registerCard(cards.good));
    expect((await stack.api.settledOrder(placed.orderId, placed.accessToken)).status).toBe('CONFIRMED');
  });
});
