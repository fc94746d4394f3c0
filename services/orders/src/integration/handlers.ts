import type { ConsumedBy, EventHandlers } from '@bookstore/events';
import { applySagaEvent } from '../application/apply-saga-event';
import { replicateBook } from '../application/catalog-replica';
import type { SagaEvent } from '../domain/order-saga';
import type { OrdersDb } from '../infrastructure/database';

/** What Orders does with each event its queue receives (the topology in events/ decides which arrive). */
export function ordersEventHandlers(db: OrdersDb): EventHandlers<ConsumedBy<'orders'>> {
  const applySaga = (event: SagaEvent) => applySagaEvent(db, event);
  return {
    BookUpserted: (event) => replicateBook(db, event),
    InventoryReserved: applySaga,
    InventoryRejected: applySaga,
    InventoryReleased: applySaga,
    PaymentSettled: applySaga,
    PaymentDeclined: applySaga,
    PaymentRefunded: applySaga,
  };
}
