/**
 * What tests outside Catalog drive it with when they take the transport out (services/apphost/test/shuffled-saga.test.ts):
 * its database client, its real event handlers, and the use case that adds books.
 */
export { addBook } from '../application/books';
export { createCatalogDb } from '../infrastructure/database';
export { catalogEventHandlers } from '../integration/handlers';
