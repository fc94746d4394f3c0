import type { ConsumedBy, EventHandlers } from '@bookstore/events';
import { releaseStock, reserveStock } from '../application/reservations';
import type { CatalogDb } from '../infrastructure/database';

/** What Catalog does with each event its queue receives (the topology in events/ decides which arrive). */
export function catalogEventHandlers(db: CatalogDb): EventHandlers<ConsumedBy<'catalog'>> {
  return {
    OrderPlaced: (event) => reserveStock(db, event),
    OrderCancelled: (event) => releaseStock(db, event),
  };
}
