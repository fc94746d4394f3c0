import { contracts } from '@bookstore/events';
import { randomUUID } from 'node:crypto';
import { replicateBook } from './catalog-replica';
import { useOrdersDatabase } from './test-support';

const orders = useOrdersDatabase();
const upserted = (bookId: string, revision: number, priceCents: number) =>
  contracts.BookUpserted.create({ bookId, isbn: '9780441172719', title: `rev ${revision}`, author: 'A', priceCents, currency: 'EUR', revision }, { correlationId: bookId });

describe('the catalog price replica', () => {
  it('keeps the newest revision when changes arrive out of order', async () => {
    const bookId = randomUUID();
    await replicateBook(orders.db, upserted(bookId, 3, 1300));
    await replicateBook(orders.db, upserted(bookId, 1, 1100));
    await replicateBook(orders.db, upserted(bookId, 2, 1200));
    expect(await orders.db.bookReplica.findUniqueOrThrow({ where: { id: bookId } })).toMatchObject({ revision: 3, priceCents: 1300, title: 'rev 3' });
  });

  it('applies newer revisions in turn', async () => {
    const bookId = randomUUID();
    await replicateBook(orders.db, upserted(bookId, 1, 1000));
    await replicateBook(orders.db, upserted(bookId, 2, 900));
    expect(await orders.db.bookReplica.findUniqueOrThrow({ where: { id: bookId } })).toMatchObject({ revision: 2, priceCents: 900 });
  });
});
