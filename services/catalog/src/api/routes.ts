import { parseInput, requireAdmin, services, uuidParam } from '@bookstore/kit';
import { Router } from 'express';
import { addBook, changeBook, getBook, restockBook, searchBooks } from '../application/books';
import type { CatalogDb } from '../infrastructure/database';
import { bookChangesBody, newBookBody, restockBody, searchQuery } from './schemas';

/**
 * Catalog reads may be a few seconds stale, since the saga checks stock for real when an order is placed: browsers
 * and proxies may keep them this long, then revalidate with the ETag Express sets on every answer (a 304 when
 * nothing changed). The admin page asks past it (frontend/src/api.ts).
 */
const catalogReadCaching = 'public, max-age=10';

export function catalogRoutes(db: CatalogDb, adminToken: string): Router {
  const books = Router();
  const admin = requireAdmin(adminToken);
  const bookId = (id: string | string[] | undefined) => uuidParam(id, 'book_not_found', 'book');

  books.get('/', async (req, res) => {
    res.set('Cache-Control', catalogReadCaching).json(await searchBooks(db, parseInput(searchQuery, req.query, 'query')));
  });
  books.get('/:id', async (req, res) => {
    res.set('Cache-Control', catalogReadCaching).json(await getBook(db, bookId(req.params.id)));
  });
  books.post('/', admin, async (req, res) => {
    const book = await addBook(db, parseInput(newBookBody, req.body, 'body'));
    res.status(201).location(`${services.catalog.pathPrefix}/books/${book.id}`).json(book);
  });
  books.patch('/:id', admin, async (req, res) => {
    const id = bookId(req.params.id);
    res.json(await changeBook(db, id, parseInput(bookChangesBody, req.body, 'body')));
  });
  books.post('/:id/restock', admin, async (req, res) => {
    const id = bookId(req.params.id);
    res.json(await restockBook(db, id, parseInput(restockBody, req.body, 'body').quantity));
  });

  const router = Router();
  router.use(`${services.catalog.pathPrefix}/books`, books);
  return router;
}
