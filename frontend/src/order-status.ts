import type { Order } from './api';

/** What each step of the saga means to a shopper. */
export const stepLabels: Record<string, string> = {
  OrderPlaced: 'Order placed',
  InventoryReserved: 'Stock reserved',
  InventoryRejected: 'Out of stock',
  PaymentSettled: 'Payment settled',
  PaymentDeclined: 'Payment declined',
  OrderConfirmed: 'Confirmed',
  OrderCancelled: 'Cancelled',
  InventoryReleased: 'Stock released',
  PaymentRefunded: 'Payment refunded',
};

/** Steps that mean the order will not go through, shown as such. */
export const failedSteps = new Set(['InventoryRejected', 'PaymentDeclined', 'OrderCancelled']);

/** The steps of a happy order, shown ahead as the ones still to come. */
export const expectedSteps = ['OrderPlaced', 'InventoryReserved', 'PaymentSettled', 'OrderConfirmed'];

/** One line a person understands: what happened to their order and, if it was cancelled, why. */
export function describeStatus(order: Pick<Order, 'status' | 'reason' | 'declineCode'>): string {
  if (order.status === 'CONFIRMED') return 'Confirmed';
  if (order.status === 'PENDING') return 'Processing your order…';
  switch (order.reason) {
    case 'out_of_stock':
      return 'Cancelled: a book went out of stock before we could reserve it';
    case 'payment_declined':
      return order.declineCode === 'insufficient_funds' ? 'Cancelled: your card was declined (insufficient funds)' : 'Cancelled: your card was declined';
    case 'timeout':
      return 'Cancelled: the order timed out before it could be confirmed';
    default:
      return 'Cancelled';
  }
}

export const isFinal = (order: Pick<Order, 'status'> | undefined) => order !== undefined && order.status !== 'PENDING';

/** Poll quickly at first, then back off: 0.5 s for the first polls, doubling up to 5 s. */
export function pollDelayMs(polls: number): number {
  return Math.min(500 * 2 ** Math.floor(polls / 4), 5_000);
}
