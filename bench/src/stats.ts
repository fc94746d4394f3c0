import { round } from '@bookstore/kit/testing';

/** The same record with `f` applied to each value (CPU seconds by process into ms per order, say). */
export function mapValues<A, B>(record: Record<string, A>, f: (value: A) => B): Record<string, B> {
  return Object.fromEntries(Object.entries(record).map(([name, value]) => [name, f(value)]));
}

/** Operations per second over a span of milliseconds. */
export function perSecond(operations: number, elapsedMs: number): number {
  return round((operations * 1000) / elapsedMs);
}
