import { readFileSync, writeFileSync } from 'node:fs';
import type { ServiceName } from '@bookstore/kit';
import type { Baselines } from './baselines';
import type { OrderCost } from './order-cost';
import type { ReadResult } from './reads';
import type { SagaRun } from './saga';
import { round, type Distribution } from '@bookstore/kit/testing';

export interface Machine {
  cpus: string;
  memory: string;
  node: string;
  postgres: string;
  emulator: string;
}

export interface BenchResults {
  at: string;
  label?: string;
  machine: Machine;
  baselines: Baselines;
  /** CPU per decided order at a steady rate, in each layout. */
  orderCost: OrderCost[];
  saga: SagaRun[];
  /** The saga against its limits, from the figures above. */
  comparison: {
    /** Three transactions and two SNS-to-SQS hops lie on an order's critical path; their p50s summed. */
    unavoidableMs: number;
    bestP50Ms: number;
    /**
     * What the transport or the database allow, in orders per second, for the messages and transactions one order
     * needs; the transport's with batching and concurrency (the fan-out's `batched` figure), as a loaded saga uses it.
     */
    transportCeilingPerSecond: number;
    databaseCeilingPerSecond: number;
    bestConfirmedPerSecond: number;
    /** The highest offered rate the system kept up with (see keptUp); 0 when it kept up with none. */
    saturationPerSecond: number;
  };
  reads: ReadResult[];
  chart: string;
}

/** Every order decided, nearly all of them confirmed within the run, and p99 under a second. */
export function keptUp(run: SagaRun): boolean {
  return run.undecided === 0 && run.confirmedPerSecond >= 0.9 * run.offeredPerSecond && run.latencyMs.p99 < 1000;
}

export function compare(baselines: Baselines, saga: SagaRun[]): BenchResults['comparison'] {
  const unsaturated = saga.filter((run) => run.undecided === 0);
  const calmest = saga[0]!;
  // Per order: the placing transaction, one per delivery handled, one per event published (the relay's, unbatched).
  const transactionsPerOrder = 1 + calmest.deliveriesPerOrder + calmest.eventsPerOrder;
  return {
    unavoidableMs: round(3 * baselines.postgres.oneClient.latencyMs.p50 + 2 * baselines.snsFanOut.hopLatencyMs.p50),
    bestP50Ms: calmest.latencyMs.p50,
    transportCeilingPerSecond: round(baselines.snsFanOut.batched.deliveredPerSecond / calmest.deliveriesPerOrder),
    databaseCeilingPerSecond: round(baselines.postgres.eightClients.perSecond / transactionsPerOrder),
    bestConfirmedPerSecond: Math.max(...(unsaturated.length > 0 ? unsaturated : saga).map((run) => run.confirmedPerSecond)),
    saturationPerSecond: Math.max(0, ...saga.filter(keptUp).map((run) => run.offeredPerSecond)),
  };
}

const ms = (distribution: Distribution) => `${distribution.p50} / ${distribution.p95} / ${distribution.p99} / ${distribution.max}`;
const perService = (figures: Record<ServiceName, Distribution>) =>
  (Object.entries(figures) as [ServiceName, Distribution][]).map(([name, distribution]) => `${name} ${distribution.p50}/${distribution.p99}`).join(', ');

const byProcess = (figures: Record<string, number>) =>
  Object.entries(figures)
    .sort(([, a], [, b]) => b - a)
    .map(([name, ms]) => `${name} ${ms}`)
    .join(', ');

/** The results as the Markdown tables BENCHMARKS.md shows. */
export function markdown(results: BenchResults): string {
  const { machine, baselines, comparison } = results;
  const lines = [
    `Run ${results.at}${results.label ? ` (${results.label})` : ''} on ${machine.cpus}, ${machine.memory}, Node ${machine.node}, PostgreSQL ${machine.postgres}, ${machine.emulator}. Raw figures: [\`${results.at.slice(0, 10)}${results.label ? `-${results.label}` : ''}.json\`](bench/results/), chart: [saga latency](${results.chart}).`,
    '',
    `**Cost of an order** (CPU of every process of the system, services, emulator and PostgreSQL, not the load driver's, read from /proc while orders arrive at a steady rate and until each is decided, per decided order; for scale, one bare single-row PostgreSQL transaction costs ${baselines.postgres.oneClient.cpuMs} ms of CPU, server and client):`,
    '',
    '| layout | offered/s | decided | CPU (s) | wall (s) | CPU per order (ms) | in bare transactions | placed → CONFIRMED p50 / p99 (ms) | idle CPU (ms/s) |',
    '|---|---:|---:|---:|---:|---:|---:|---|---:|',
    ...results.orderCost.map(
      (cost) =>
        `| ${cost.layout} | ${cost.offeredPerSecond} | ${cost.decided} | ${cost.cpuSeconds} | ${cost.wallSeconds} | ${cost.cpuMsPerOrder} | ${round(cost.cpuMsPerOrder / baselines.postgres.oneClient.cpuMs)} | ${cost.latencyMs.p50} / ${cost.latencyMs.p99} | ${cost.idleCpuMsPerSecond} |`,
    ),
    '',
    'CPU per order by process (ms), and idle (ms/s):',
    '',
    ...results.orderCost.flatMap((cost) => [
      `- ${cost.layout}: ${byProcess(cost.cpuMsPerOrderByProcess)}`,
      `- ${cost.layout}, idle: ${byProcess(cost.idleCpuMsPerSecondByProcess)}`,
    ]),
    '',
    '**Saga** (orders placed at a fixed rate; latency from the order\'s commit to its OrderConfirmed step, as Orders recorded them):',
    '',
    '| offered/s | accepted | confirmed/s | undecided | placed → CONFIRMED p50 / p95 / p99 / max (ms) | POST p50 / p99 (ms) | outbox lag p50/p99 (ms) | handler p50/p99 (ms) |',
    '|---:|---:|---:|---:|---|---|---|---|',
    ...results.saga.map(
      (run) =>
        `| ${run.offeredPerSecond} | ${run.accepted} | ${run.confirmedPerSecond} | ${run.undecided} | ${ms(run.latencyMs)} | ${run.placeMs.p50} / ${run.placeMs.p99} | ${perService(run.outboxLagMs)} | ${perService(run.handlingMs)} |`,
    ),
    '',
    `Per order: ${results.saga[0]?.eventsPerOrder} events published, ${results.saga[0]?.deliveriesPerOrder} deliveries handled. Saturation (the highest offered rate at which every order was decided and p99 stayed under 1 s): **${comparison.saturationPerSecond} orders/s**.`,
    '',
    '**Limits, same run:**',
    '',
    '| what | figure |',
    '|---|---|',
    `| SQS round trip (send, long-poll receive, delete), one at a time | ${baselines.sqsRoundTrip.perSecond}/s, p50 ${baselines.sqsRoundTrip.latencyMs.p50} ms, p99 ${baselines.sqsRoundTrip.latencyMs.p99} ms |`,
    `| CPU of one SQS request through the AWS SDK (client / emulator) | ${baselines.sqsRoundTrip.cpuMsPerRequest.client} / ${baselines.sqsRoundTrip.cpuMsPerRequest.emulator} ms |`,
    `| SNS publish to 2 subscribed queues, tight loop, one message per request | ${baselines.snsFanOut.publishedPerSecond} published/s, ${baselines.snsFanOut.deliveredPerSecond} delivered/s |`,
    `| the same batched: PublishBatch of 10, 4 in flight; 10 a receive, batch deletes | ${baselines.snsFanOut.batched.publishedPerSecond} published/s, ${baselines.snsFanOut.batched.deliveredPerSecond} delivered/s |`,
    `| SNS → SQS hop (publish to long-poll receive) | p50 ${baselines.snsFanOut.hopLatencyMs.p50} ms, p99 ${baselines.snsFanOut.hopLatencyMs.p99} ms |`,
    `| PostgreSQL single-row transaction, 1 client | ${baselines.postgres.oneClient.perSecond}/s, p50 ${baselines.postgres.oneClient.latencyMs.p50} ms |`,
    `| PostgreSQL single-row transaction, 8 clients | ${baselines.postgres.eightClients.perSecond}/s |`,
    '',
    '**Saga against its limits:**',
    '',
    '| | saga | limit | ratio |',
    '|---|---:|---:|---:|',
    `| latency p50 at the lowest rate vs 3 transactions + 2 SNS→SQS hops (ms) | ${comparison.bestP50Ms} | ${comparison.unavoidableMs} | ${round(comparison.bestP50Ms / comparison.unavoidableMs)}× |`,
    `| confirmed orders/s vs what the transport allows | ${comparison.bestConfirmedPerSecond} | ${comparison.transportCeilingPerSecond} | ${round((100 * comparison.bestConfirmedPerSecond) / comparison.transportCeilingPerSecond)}% |`,
    `| confirmed orders/s vs what the database allows | ${comparison.bestConfirmedPerSecond} | ${comparison.databaseCeilingPerSecond} | ${round((100 * comparison.bestConfirmedPerSecond) / comparison.databaseCeilingPerSecond)}% |`,
    '',
    '**Reads** (autocannon, keep-alive connections, closed loop):',
    '',
    '| endpoint | requests/s | p50 (ms) | p99 (ms) | failures |',
    '|---|---:|---:|---:|---:|',
    ...results.reads.map((read) => `| ${read.name} | ${read.requestsPerSecond} | ${read.p50Ms} | ${read.p99Ms} | ${read.failures} |`),
  ];
  return lines.join('\n');
}

const begin = '<!-- bench:latest:begin -->';
const end = '<!-- bench:latest:end -->';

/** Replaces the latest-results section of BENCHMARKS.md, leaving the prose around it alone. */
export function updateBenchmarksFile(file: string, results: BenchResults): void {
  const current = readFileSync(file, 'utf8');
  const from = current.indexOf(begin);
  const to = current.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file} has no ${begin} ... ${end} section`);
  writeFileSync(file, `${current.slice(0, from + begin.length)}\n${markdown(results)}\n${current.slice(to)}`);
}
