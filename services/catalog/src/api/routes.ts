import { parseInput, requireAdmin, route, services, uuidParam } from '@bookstore/kit';
import { Router } from 'express';
import { addBook, changeBook, getBook, restockBook, searchBooks } from '../application/books';
import type { CatalogDb } from '../infrastructure/database';
import { catalogApi } from './operations';

/**
 * Catalog reads are revalidated on every use rather than kept for a while: stock moves with every order, and a
 * shopper who has just bought the last copy must see it sold out. The ETag Express sets on every answer makes an
 * unchanged one a bodiless 304.
 */
const catalogReadCaching = 'no-cache';

export function catalogRoutes(db: CatalogDb, adminToken: string): Router {
  const router = Router();
  const admin = requireAdmin(adminToken);
  const operations = catalogApi.operations;
  const bookId = (id: string | string[] | undefined) => uuidParam(id, 'book_not_found', 'book');

  route(router, operations.searchBooks, async (req, res) => {
    res.set('Cache-Control', catalogReadCaching).json(await searchBooks(db, parseInput(operations.searchBooks.query, req.query, 'query')));
  });

  route(router, operations.getBook, async (req, res) => {
    res.set('Cache-Control', catalogReadCaching).json(await getBook(db, bookId(req.params.id)));
  });

  route(router, operations.addBook, admin, async (req, res) => {
    const book = await addBook(db, parseInput(operations.addBook.body, req.body, 'body'));
    res.status(201).location(`${services.catalog.pathPrefix}/books/${book.id}`).json(book);
  });

  route(router, operations.changeBook, admin, async (req, res) => {
    const id = bookId(req.params.id);
    res.json(await changeBook(db, id, parseInput(operations.changeBook.body, req.body, 'body')));
  });

  route(router, operations.restockBook, admin, async (req, res) => {
    const id = bookId(req.params.id);
    res.json(await restockBook(db, id, parseInput(operations.restockBook.body, req.body, 'body').quantity));
  });

  return router;
}
