import type { ConsumedBy, EventHandlers } from '@bookstore/events';
import { chargeOrder, refundOrder } from '../application/payments';
import type { PaymentProvider } from '../application/provider';
import type { PaymentsDb } from '../infrastructure/database';

/** What Payments does with each event its queue receives (the topology in events/ decides which arrive). */
export function paymentsEventHandlers(db: PaymentsDb, provider: PaymentProvider): EventHandlers<ConsumedBy<'payments'>> {
  return {
    OrderPlaced: (event) => chargeOrder(db, provider, event),
    OrderCancelled: (event) => refundOrder(db, provider, event),
  };
}
