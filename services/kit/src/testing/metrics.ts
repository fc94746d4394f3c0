import { PassThrough } from 'node:stream';
import { createLogger } from '../logger';
import { MetricsLog } from '../telemetry/emf';

/** A MetricsLog whose EMF lines a test reads back, parsed; with a null namespace it writes none, as in production without one. */
export function metricsSpy(namespace: string | null = 'Bookstore/test'): { metrics: MetricsLog; lines(): Record<string, any>[] } {
  let written = '';
  const destination = new PassThrough();
  destination.on('data', (chunk) => (written += chunk));
  const metrics = new MetricsLog(createLogger('metrics', { destination }), namespace ?? undefined);
  return {
    metrics,
    lines: () =>
      written
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, any>),
  };
}
