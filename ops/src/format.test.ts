import { age, clock, delay, oneLine } from './format';

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

describe('delay', () => {
  const occurred = new Date('2026-11-22T12:00:00Z');
  const after = (milliseconds: number) => delay(occurred, new Date(occurred.getTime() + milliseconds));

  it('shows milliseconds, then tenths of seconds, then two units', () => {
    expect([40, 999, 1000, 1250, 59_999, 185_000].map(after)).toEqual(['+40ms', '+999ms', '+1s', '+1.2s', '+59.9s', '+3m 05s']);
  });

  it('shows a negative delay, as when two machines disagree on the time', () => {
    expect(after(-3)).toBe('-3ms');
  });
});

describe('clock', () => {
  it('shows the time of day in UTC, to the millisecond or the second', () => {
    const at = new Date('2026-11-22T12:01:03.120+01:00');
    expect([clock(at), clock(at, 's')]).toEqual(['11:01:03.120', '11:01:03']);
  });
});

describe('oneLine', () => {
  it('joins lines and cuts what is too long', () => {
    expect(oneLine('OrderPlaced: ✖ Invalid input\n  → at data.totalCents')).toBe('OrderPlaced: ✖ Invalid input → at data.totalCents');
    expect(oneLine('x'.repeat(200), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
