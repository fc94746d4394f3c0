import type { ConsumedBy, EventHandlers } from '@bookstore/events';
import { replicateBook } from '../application/catalog-replica';
import { applySagaEvent } from '../application/saga';
import type { OrdersDb } from '../infrastructure/database';

/** What Orders does with each event its queue receives (the topology in events/ decides which arrive). */
export function ordersEventHandlers(db: OrdersDb): EventHandlers<ConsumedBy<'orders'>> {
  return {
    BookUpserted: (event) => replicateBook(db, event),
    InventoryReserved: (event) => applySagaEvent(db, event, { type: 'InventoryReserved' }),
    InventoryRejected: (event) => applySagaEvent(db, event, { type: 'InventoryRejected' }),
    InventoryReleased: (event) => applySagaEvent(db, event, { type: 'InventoryReleased' }),
    PaymentSettled: (event) => applySagaEvent(db, event, { type: 'PaymentSettled' }),
    PaymentDeclined: (event) => applySagaEvent(db, event, { type: 'PaymentDeclined', declineCode: event.data.declineCode }),
    PaymentRefunded: (event) => applySagaEvent(db, event, { type: 'PaymentRefunded' }),
  };
}
