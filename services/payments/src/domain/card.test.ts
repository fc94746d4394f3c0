import { cardBrand, isExpired, passesLuhn } from './card';

describe('card rules', () => {
  it.each(['4242424242424242', '4000000000000002', '4000000000009995', '5555555555554444', '378282246310005'])('accepts %s', (number) => {
    expect(passesLuhn(number)).toBe(true);
  });

  it.each(['4242424242424241', '1234567812345678', '42424242', '4242-4242-4242-4242', ''])('rejects %s', (number) => {
    expect(passesLuhn(number)).toBe(false);
  });

  it('names the brand from the number prefix', () => {
    expect(cardBrand('4242424242424242')).toBe('visa');
    expect(cardBrand('5555555555554444')).toBe('mastercard');
    expect(cardBrand('378282246310005')).toBe('amex');
    expect(cardBrand('9999999999999995')).toBe('unknown');
  });

  it('treats a card as valid through its expiry month', () => {
    const now = new Date('2026-11-22T12:00:00Z');
    expect(isExpired(11, 2026, now)).toBe(false);
    expect(isExpired(10, 2026, now)).toBe(true);
    expect(isExpired(1, 2027, now)).toBe(false);
    expect(isExpired(12, 2025, now)).toBe(true);
  });
});
