import { parseInput, requireAdmin, services, uuidParam } from '@bookstore/kit';
import { Router } from 'express';
import { addBook, changeBook, getBook, restockBook, searchBooks } from '../application/books';
import type { CatalogDb } from '../infrastructure/database';
import { bookChangesBody, newBookBody, restockBody, searchQuery } from './schemas';

/**
 * Catalog reads are revalidated on every use rather than kept for a while: stock moves with every order, and a
 * shopper who has just bought the last copy must see it sold out. The ETag Express sets on every answer makes an
 * unchanged one a bodiless 304.
 */
const catalogReadCaching = 'no-cache';

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
