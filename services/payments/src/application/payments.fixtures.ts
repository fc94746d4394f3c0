import { contracts, type EventOf } from '@bookstore/events';
import { query } from '@bookstore/kit/testing';
import { randomUUID } from 'node:crypto';
import type { PaymentsDb } from '../infrastructure/database';
import { simulatedProvider } from '../infrastructure/simulated-provider';
import { registerCard } from './payment-methods';

/** What the tests of the payment handlers build their cases from: cards, and the events Orders would send. */
export const addTestCard = async (db: PaymentsDb, cardNumber = '4242424242424242') =>
  (await registerCard(db, simulatedProvider(db.pool), { cardNumber, expMonth: 12, expYear: 2099, cvc: '123', holderName: 'Ada' })).paymentMethodId;

export const orderPlaced = (orderId: string, paymentMethodId: string): EventOf<'OrderPlaced'> =>
  contracts.OrderPlaced.create(
    { orderId, lines: [{ bookId: randomUUID(), quantity: 1, unitPriceCents: 900 }], totalCents: 900, currency: 'EUR', paymentMethodId },
    { correlationId: orderId },
  );

export const orderCancelled = (orderId: string): EventOf<'OrderCancelled'> =>
  contracts.OrderCancelled.create({ orderId, reason: 'out_of_stock' }, { correlationId: orderId });

/** How many charges the simulated provider recorded under an order's id (its idempotency key): exactly one, once charged. */
export const chargesAtProvider = async (databaseUrl: string, orderId: string) =>
  (await query<{ n: number }>(databaseUrl, 'SELECT count(*)::int AS n FROM simulated_provider_charges WHERE idempotency_key = $1', [orderId]))[0]!.n;
