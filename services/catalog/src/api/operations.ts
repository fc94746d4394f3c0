import type { ApiOperation, ServiceApi } from '@bookstore/kit';
import { z } from 'zod';
import { bookPage, bookView } from './responses';
import { bookChangesBody, newBookBody, restockBody, searchQuery } from './schemas';

const bookIdParams = z.object({ id: z.uuid().meta({ description: "The book's id; anything else is a 404." }) });
const bookUrl = { Location: 'The URL of the new book.' };

const searchBooks = {
  method: 'get',
  path: '/api/catalog/books',
  summary: 'Search the books by title and author',
  query: searchQuery,
  success: { status: 200, description: 'A page of the books that match, by title.', body: bookPage },
} satisfies ApiOperation;

const getBook = {
  method: 'get',
  path: '/api/catalog/books/{id}',
  summary: 'Read a book, with its stock',
  params: bookIdParams,
  success: { status: 200, description: 'The book. Revalidate with its ETag: stock moves with every order.', body: bookView },
  refusals: { 404: ['book_not_found'] },
} satisfies ApiOperation;

const addBook = {
  method: 'post',
  path: '/api/catalog/books',
  summary: 'Add a book to the catalog',
  access: 'admin',
  body: newBookBody,
  bodyExample: {
    isbn: '978-0-262-51087-5',
    title: 'Structure and Interpretation of Computer Programs',
    author: 'Harold Abelson, Gerald Jay Sussman',
    priceCents: 4500,
    currency: 'EUR',
    stock: 10,
  },
  success: { status: 201, description: 'The book as added.', body: bookView, headers: bookUrl },
  refusals: { 409: ['isbn_taken'] },
} satisfies ApiOperation;

const changeBook = {
  method: 'patch',
  path: '/api/catalog/books/{id}',
  summary: "Change a book's title, author, description, price or currency",
  access: 'admin',
  params: bookIdParams,
  body: bookChangesBody,
  bodyExample: { priceCents: 3900 },
  success: { status: 200, description: 'The book as changed; BookUpserted tells the other services.', body: bookView },
  refusals: { 404: ['book_not_found'] },
} satisfies ApiOperation;

const restockBook = {
  method: 'post',
  path: '/api/catalog/books/{id}/restock',
  summary: "Add copies to a book's stock",
  access: 'admin',
  params: bookIdParams,
  body: restockBody,
  bodyExample: { quantity: 5 },
  success: { status: 200, description: 'The book with its new stock.', body: bookView },
  refusals: { 404: ['book_not_found'], 422: ['stock_limit'] },
} satisfies ApiOperation;

export const catalogApi = {
  service: 'catalog',
  version: '1.0.0',
  operations: { searchBooks, getBook, addBook, changeBook, restockBook },
} satisfies ServiceApi;
