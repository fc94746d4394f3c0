import { FailureBackoff } from './failure-backoff';

describe('FailureBackoff', () => {
  it('waits nothing before any failure, then twice as long after each consecutive failure, up to the maximum', () => {
    const backoff = new FailureBackoff(5_000);
    expect(backoff.delayMs).toBe(0);
    const delays = Array.from({ length: 8 }, () => (backoff.failed(), backoff.delayMs));
    expect(delays).toEqual([200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000]);
  });

  it('stays at the maximum however long the outage lasts', () => {
    const backoff = new FailureBackoff(5_000);
    for (let failure = 0; failure < 2_000; failure += 1) backoff.failed();
    expect(backoff.delayMs).toBe(5_000);
  });

  it('asks to log the first failure and every 20th, not the ones between', () => {
    const backoff = new FailureBackoff();
    const logged = Array.from({ length: 60 }, (_, index) => (backoff.failed() ? index + 1 : undefined)).filter((failure) => failure !== undefined);
    expect(logged).toEqual([1, 20, 40, 60]);
  });

  it('starts over after a success, and reports how many failures the success ended', () => {
    const backoff = new FailureBackoff();
    expect(backoff.succeeded()).toBe(0);
    backoff.failed();
    backoff.failed();
    backoff.failed();
    expect(backoff.failures).toBe(3);
    expect(backoff.succeeded()).toBe(3);
    expect(backoff.failures).toBe(0);
    expect(backoff.delayMs).toBe(0);
    expect(backoff.failed()).toBe(true); // the first failure of the next outage is logged again
    expect(backoff.delayMs).toBe(200);
  });
});
