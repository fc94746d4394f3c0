import type { SagaRun } from './saga';

/** The saga's latency percentiles against the arrival rate, as an SVG drawn by Vega-Lite (no browser needed). */
export async function sagaLatencyChart(runs: SagaRun[], title: string): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const values = runs.flatMap((run) =>
    (['p50', 'p95', 'p99'] as const).map((percentile) => ({ rate: run.offeredPerSecond, percentile, ms: Math.max(run.latencyMs[percentile], 1) })),
  );
  const spec = vegaLite.compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 560,
    height: 300,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'rate', type: 'quantitative', title: 'orders placed per second (open loop)', scale: { type: 'log', base: 2 } },
      y: { field: 'ms', type: 'quantitative', title: 'placed → CONFIRMED (ms, log scale)', scale: { type: 'log' } },
      color: { field: 'percentile', type: 'nominal', title: null },
    },
  }).spec;
  return new vega.View(vega.parse(spec), { renderer: 'none' }).toSVG();
}
