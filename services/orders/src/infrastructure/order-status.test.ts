import { orderStatuses, type OrderStatus } from '../domain/order-status';
import { OrderStatus as storedOrderStatus } from './prisma/client';

describe('the order_status enum of the orders database', () => {
  it('names exactly the statuses of the domain', () => {
    // Each side must fit the other's type, so a status added to one alone fails the type-check too.
    const stored: readonly OrderStatus[] = Object.values(storedOrderStatus);
    const domain: readonly storedOrderStatus[] = orderStatuses;
    expect([...stored].sort()).toEqual([...domain].sort());
  });
});
