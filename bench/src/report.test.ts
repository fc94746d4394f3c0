import { keptUp } from './report';
import type { SagaRun } from './saga';
import type { Distribution } from '@bookstore/kit/testing';

const latency = (p99: number): Distribution => ({ count: 100, p50: p99 / 2, p95: p99, p99, max: p99 });
const run = (offeredPerSecond: number, overrides: Partial<SagaRun> = {}): SagaRun =>
  ({ offeredPerSecond, confirmedPerSecond: offeredPerSecond, undecided: 0, latencyMs: latency(100), ...overrides }) as SagaRun;

/** Saturation is the highest rate the system kept up with: the bench's ladder stops at the first one it did not. */
describe('keeping up with a rate', () => {
  it('means every order decided, nearly all confirmed within the run, and p99 under a second', () => {
    expect(keptUp(run(80))).toBe(true);
    expect(keptUp(run(80, { latencyMs: latency(999) }))).toBe(true);
    expect(keptUp(run(160, { latencyMs: latency(1_554) }))).toBe(false);
    expect(keptUp(run(160, { undecided: 1 }))).toBe(false);
    expect(keptUp(run(160, { confirmedPerSecond: 140 }))).toBe(false);
  });
});
