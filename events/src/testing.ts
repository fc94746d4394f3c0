import { randomUUID } from 'node:crypto';
import { contracts, type AnyEvent, type Contracts, type EventType } from './contracts';

/** One valid payload per contract; `satisfies` makes a new contract without a sample a type error. */
export function samplePayloads(orderId = randomUUID(), bookId = randomUUID()) {
  return {
    BookUpserted: { bookId, isbn: '978-0-00-000000-2', title: 'A Book', author: 'An Author', priceCents: 1250, currency: 'EUR', revision: 3 },
    InventoryReserved: { orderId, lines: [{ bookId, quantity: 2 }] },
    InventoryRejected: { orderId, reason: 'out_of_stock', shortLines: [{ bookId, requested: 3, available: 1 }] },
    InventoryReleased: { orderId, lines: [{ bookId, quantity: 2 }] },
    OrderPlaced: { orderId, lines: [{ bookId, quantity: 2, unitPriceCents: 1250 }], totalCents: 2500, currency: 'EUR', paymentMethodId: 'pm_1' },
    OrderConfirmed: { orderId },
    OrderCancelled: { orderId, reason: 'payment_declined' },
    PaymentSettled: { orderId, paymentId: randomUUID(), amountCents: 2500, currency: 'EUR' },
    PaymentDeclined: { orderId, declineCode: 'card_declined' },
    PaymentRefunded: { orderId, paymentId: randomUUID(), amountCents: 2500, currency: 'EUR' },
  } satisfies { [T in EventType]: Parameters<Contracts[T]['create']>[0] };
}

/** A valid event of any type, for tests of code that carries events without caring what is in them. */
export function sampleEvent(type: EventType, orderId = randomUUID()): AnyEvent {
  const create = contracts[type].create as (data: unknown, origin: { correlationId: string; causationId?: string | null }) => AnyEvent;
  return create(samplePayloads(orderId)[type], { correlationId: orderId, causationId: randomUUID() });
}
