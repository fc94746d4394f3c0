import { contracts, type EventOf } from '@bookstore/events';
import type { CatalogDb } from '../infrastructure/database';
import { addBook } from './books';

/** What the tests of the stock handlers build their cases from: books, and the events Orders would send. */
export type Line = { bookId: string; quantity: number };

export const addTestBook = (db: CatalogDb, stock: number) =>
  addBook(db, { isbn: `978${Math.floor(Math.random() * 1e10).toString().padStart(10, '0')}`, title: 'T', author: 'A', description: '', priceCents: 100, currency: 'EUR', stock });

export const orderPlaced = (orderId: string, lines: Line[]): EventOf<'OrderPlaced'> =>
  contracts.OrderPlaced.create(
    { orderId, lines: lines.map((line) => ({ ...line, unitPriceCents: 100 })), totalCents: 100, currency: 'EUR', paymentMethodId: 'pm_test' },
    { correlationId: orderId },
  );

export const orderCancelled = (orderId: string): EventOf<'OrderCancelled'> =>
  contracts.OrderCancelled.create({ orderId, reason: 'timeout' }, { correlationId: orderId });
