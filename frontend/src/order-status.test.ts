import { describe, expect, it } from 'vitest';
import { availability, formatMoney } from './money';
import { describeStatus, isFinal, pollDelayMs } from './order-status';

describe('order status in words', () => {
  it.each([
    [{ status: 'CONFIRMED' }, 'Confirmed'],
    [{ status: 'PENDING' }, 'Processing your order…'],
    [{ status: 'CANCELLED', reason: 'out_of_stock' }, 'Cancelled: a book went out of stock before we could reserve it'],
    [{ status: 'CANCELLED', reason: 'payment_declined', declineCode: 'card_declined' }, 'Cancelled: your card was declined'],
    [{ status: 'CANCELLED', reason: 'payment_declined', declineCode: 'insufficient_funds' }, 'Cancelled: your card was declined (insufficient funds)'],
    [{ status: 'CANCELLED', reason: 'timeout' }, 'Cancelled: the order timed out before it could be confirmed'],
  ] as const)('%o reads "%s"', (order, text) => {
    expect(describeStatus(order)).toBe(text);
  });

  it('stops polling at a final state and backs off until then', () => {
    expect(isFinal({ status: 'PENDING' })).toBe(false);
    expect(isFinal({ status: 'CANCELLED' })).toBe(true);
    expect([0, 3, 4, 8, 12, 16, 40].map(pollDelayMs)).toEqual([500, 500, 1000, 2000, 4000, 5000, 5000]);
  });
});

describe('prices and availability', () => {
  it('formats cents in the book currency', () => {
    expect(formatMoney(1250, 'EUR')).toMatch(/12[.,]50/);
    expect(formatMoney(1250, 'EUR')).toContain('€');
  });

  it('says how many copies are left when few are', () => {
    expect([0, 1, 3, 4].map((stock) => availability(stock).label)).toEqual(['Sold out', 'Only 1 left', 'Only 3 left', 'In stock']);
  });
});
