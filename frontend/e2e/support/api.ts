import { randomInt } from 'node:crypto';
import pg from 'pg';
import type { LocalStack } from './stack';

export interface Book {
  id: string;
  isbn: string;
  title: string;
  author: string;
  priceCents: number;
  currency: string;
  stock: number;
}

/** A random ISBN-13 with a valid check digit (978 prefix). */
export function randomIsbn13(): string {
  const digits = [9, 7, 8, ...Array.from({ length: 9 }, () => randomInt(10))];
  const sum = digits.reduce((total, digit, index) => total + digit * (index % 2 === 0 ? 1 : 3), 0);
  return [...digits, (10 - (sum % 10)) % 10].join('');
}

/** Adds a book through Catalog's admin API (`POST /api/catalog/books`) and waits until Orders can price it. */
export async function createBook(stack: LocalStack, book: { title: string; author: string; priceCents: number; stock: number; description?: string }): Promise<Book> {
  const response = await fetch(`${stack.gatewayUrl}/api/catalog/books`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.adminToken}` },
    body: JSON.stringify({ isbn: randomIsbn13(), currency: 'EUR', description: '', ...book }),
  });
  if (response.status !== 201) throw new Error(`creating "${book.title}" answered ${response.status}: ${await response.text()}`);
  const created = (await response.json()) as Book;
  await waitUntilOrderable(stack, created.id);
  return created;
}

/**
 * Orders prices an order from its own replica of the catalog, fed by BookUpserted; until the replica has the
 * book, an order for it is refused (422 unknown_books). Waits for the replica as the seeding does.
 */
export async function waitUntilOrderable(stack: LocalStack, bookId: string, timeoutMs = 30_000): Promise<void> {
  const client = new pg.Client({ connectionString: `postgres://postgres:postgres@127.0.0.1:${stack.ports.POSTGRES_PORT}/orders` });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rowCount } = await client.query('SELECT 1 FROM book_replicas WHERE id = $1', [bookId]);
      if (rowCount) return;
      if (Date.now() > deadline) throw new Error(`Orders has not heard of book ${bookId} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.end();
  }
}
