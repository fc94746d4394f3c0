import { age } from './format';

describe('age', () => {
  const now = new Date('2026-11-22T12:00:00Z');
  const ago = (seconds: number) => age(new Date(now.getTime() - seconds * 1000), now);

  it('shows at most two units', () => {
    expect([0, 59, 60, 3599, 3600, 86399, 86400 + 3 * 3600 + 59].map(ago)).toEqual(['0s', '59s', '1m 00s', '59m 59s', '1h 00m', '23h 59m', '1d 03h']);
  });

  it('shows 0s for a time ahead of this clock', () => {
    expect(ago(-5)).toBe('0s');
  });
});
