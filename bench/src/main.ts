/**
 * `npm run bench [-- --quick] [--label before] [--profile]`: starts the system on loopback with every service's API and
 * worker as separate processes, measures the emulator's and PostgreSQL's own limits, the saga at rising
 * arrival rates and the reads under load, then writes bench/results/<date>[-label].json, a chart, and the
 * latest-results section of BENCHMARKS.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startLoopbackSystem } from '@bookstore/apphost';
import { ApiClient, cards } from '@bookstore/apphost/testing';
import { createLogger, serviceNames, services, type ServiceName } from '@bookstore/kit';
import { query } from '@bookstore/kit/testing';
import { measureBaselines } from './baselines';
import { sagaLatencyChart } from './chart';
import { measureReads, startBareExpress } from './reads';
import { compare, keptUp, markdown, updateBenchmarksFile, type BenchResults, type Machine } from './report';
import { measureOrderCost, type OrderCost } from './order-cost';
import { startOneProcessStack } from './one-process';
import { summarizeProfiles } from './profile-summary';
import { runSaga, type SagaRun, type SagaShop } from './saga';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    label: { type: 'string' },
    /**
     * Write a CPU profile of every service process to reports/bench/profiles (open them in Chrome DevTools), and
     * print where each process's busy time went.
     */
    profile: { type: 'boolean', default: false },
    /**
     * `--retention <seconds>`: every service's worker runs its retention job that often and deletes what is older
     * than that (published outbox events, handled event ids, Idempotency-Keys), so that it deletes all through the
     * run; compare with a run without. The outbox-lag column then only sees the events not yet deleted.
     */
    retention: { type: 'string' },
  },
});
const settings = args.quick
  ? { rates: [5, 10, 20], sagaSeconds: 8, costSeconds: 8, baselineIterations: 100, readSeconds: 3 }
  : { rates: [5, 10, 20, 40, 80, 120, 160, 200, 240, 320], sagaSeconds: 20, costSeconds: 15, baselineIterations: 300, readSeconds: 8 };
const retentionSeconds = args.retention === undefined ? undefined : Number(args.retention);
if (retentionSeconds !== undefined && !(Number.isInteger(retentionSeconds) && retentionSeconds >= 1)) {
  throw new Error(`--retention takes a whole number of seconds, at least 1, not ${JSON.stringify(args.retention)}`);
}
/** The services' settings that make the retention job delete during the run; none without --retention. */
const retentionEnv: Record<string, string> =
  retentionSeconds === undefined
    ? {}
    : Object.fromEntries(
        ['OUTBOX_RETENTION_SECONDS', 'INBOX_RETENTION_SECONDS', 'IDEMPOTENCY_KEY_RETENTION_SECONDS', 'RETENTION_INTERVAL_SECONDS'].map((name) => [name, String(retentionSeconds)]),
      );
/** The steady rate at which the cost of an order is measured. */
const costRate = 20;
const root = path.resolve(__dirname, '../..');
const resultsDir = path.join(root, 'bench/results');
const logDir = path.join(root, 'reports/bench');
const startedAt = Date.now();
const say = (line: string) => process.stdout.write(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const adminToken = randomBytes(18).toString('base64url');
  const system = await startLoopbackSystem({
    logger: createLogger('bench', { level: 'warn' }),
    logDir,
    adminToken,
    // A load test from one address: the per-client rate limits would refuse all but the first few orders.
    env: { LOG_LEVEL: 'info', RATE_LIMITS: 'off', ...retentionEnv },
    nodeFlags: args.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(logDir, 'profiles')}`] : [],
    onStep: say,
  });
  const bare = await startBareExpress();
  if (retentionSeconds !== undefined) say(`retention job: every ${retentionSeconds} s, deleting what is older than ${retentionSeconds} s`);
  try {
    const { serviceUrls, databaseUrls } = system.stack;
    const machine = await describeMachine(databaseUrls.orders);
    say(`machine: ${Object.values(machine).join(', ')}`);

    say(`baselines: SQS round trip, SNS fan-out, PostgreSQL transactions (${settings.baselineIterations} each)`);
    const baselines = await measureBaselines(system.emulatorEndpoint, system.postgresUrl, system.infrastructureProcesses(), settings.baselineIterations);
    say(`  ${JSON.stringify(baselines)}`);

    const workerLogs = Object.fromEntries(serviceNames.map((name) => [name, path.join(logDir, `${name}-worker.log`)])) as Record<ServiceName, string>;
    const { shop, sample } = await openShop(serviceUrls, databaseUrls, workerLogs, adminToken);
    const orderCost: OrderCost[] = [];
    say(`cost of an order, a process per API and worker: ${costRate} orders/s for ${settings.costSeconds} s`);
    orderCost.push(await measureOrderCost('a process per API and worker', shop, system.processes, costRate, settings.costSeconds));
    say(`  ${JSON.stringify(orderCost.at(-1))}`);

    const saga: SagaRun[] = [];
    for (const rate of settings.rates) {
      say(`saga: ${rate} orders/s for ${settings.sagaSeconds} s`);
      const run = await runSaga(shop, rate, settings.sagaSeconds);
      saga.push(run);
      say(`  confirmed ${run.confirmedPerSecond}/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms, undecided ${run.undecided}`);
      if (!keptUp(run)) {
        say('  saturated: the system no longer keeps up with the arrivals; not going higher');
        break;
      }
    }

    say(`reads: ${settings.readSeconds} s each, 20 connections`);
    const reads = await measureReads(
      [
        { name: 'bare Express, same JSON size (baseline)', url: bare.url },
        { name: `GET ${services.catalog.pathPrefix}/books`, url: `${serviceUrls.catalog}${services.catalog.pathPrefix}/books` },
        { name: `GET ${services.catalog.pathPrefix}/books?q=the`, url: `${serviceUrls.catalog}${services.catalog.pathPrefix}/books?q=the` },
        { name: `GET ${services.orders.pathPrefix}/:id`, url: `${serviceUrls.orders}${services.orders.pathPrefix}/${sample.orderId}`, headers: { authorization: `Bearer ${sample.accessToken}` } },
      ],
      { connections: 20, seconds: settings.readSeconds },
    );
    for (const read of reads) say(`  ${read.name}: ${read.requestsPerSecond} req/s, p99 ${read.p99Ms} ms, ${read.failures} failures`);

    // The `npm start` layout on the same PostgreSQL and emulator, once the process stack is gone.
    const serviceProcesses = system.processes();
    await system.stack.stop(); // each process writes its profile as it exits
    if (args.profile) {
      for (const [name, { busyMs, shares }] of Object.entries(summarizeProfiles(path.join(logDir, 'profiles'), serviceProcesses))) {
        say(`profile of ${name}, ${busyMs} ms busy: ${shares.slice(0, 8).map(({ where, percent }) => `${where} ${percent}%`).join(', ')}`);
      }
    }
    const one = await startOneProcessStack({ postgresUrl: system.postgresUrl, awsEndpoint: system.emulatorEndpoint, adminToken, logDir, env: retentionEnv });
    try {
      const oneLogs = Object.fromEntries(serviceNames.map((name) => [name, one.logFile])) as Record<ServiceName, string>;
      const { shop: oneShop } = await openShop(one.serviceUrls, one.databaseUrls, oneLogs, adminToken);
      say(`cost of an order, one process (npm start): ${costRate} orders/s for ${settings.costSeconds} s`);
      orderCost.push(await measureOrderCost('one process (npm start)', oneShop, () => ({ ...system.infrastructureProcesses(), 'one process': one.pid }), costRate, settings.costSeconds));
      say(`  ${JSON.stringify(orderCost.at(-1))}`);
    } finally {
      await one.stop();
    }

    const name = `${new Date().toISOString().slice(0, 10)}${args.label ? `-${args.label}` : ''}`;
    const chart = `bench/results/${name}.svg`;
    const results: BenchResults = { at: new Date().toISOString(), label: args.label, machine, baselines, orderCost, saga, comparison: compare(baselines, saga), reads, chart };
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(path.join(root, chart), await sagaLatencyChart(saga, `Saga latency against arrival rate (${machine.cpus})`));
    writeFileSync(path.join(resultsDir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
    if (args.quick) process.stdout.write(`\n${markdown(results)}\n`);
    else updateBenchmarksFile(path.join(root, 'BENCHMARKS.md'), results);
    say(`wrote bench/results/${name}.json and ${chart}${args.quick ? '' : ', and updated BENCHMARKS.md'}`);
  } finally {
    await bare.stop();
    await system.stop();
  }
}

/** Books with stock for any run, a card that is always approved, and one order confirmed (so Orders' replica has the books). */
async function openShop(serviceUrls: Record<ServiceName, string>, databaseUrls: Record<ServiceName, string>, workerLogs: Record<ServiceName, string>, adminToken: string) {
  const catalog = new ApiClient(serviceUrls.catalog, adminToken);
  const books = await Promise.all(Array.from({ length: 8 }, () => catalog.addBook({ stock: 1_000_000, priceCents: 999 })));
  const paymentMethodId = await new ApiClient(serviceUrls.payments, adminToken).registerCard(cards.good);
  const orders = new ApiClient(serviceUrls.orders, adminToken);
  const sample = await orders.placeOrder([{ bookId: books[0]!.id, quantity: 1 }], paymentMethodId); // waits for Orders' replica
  await orders.settledOrder(sample.orderId, sample.accessToken);
  const shop: SagaShop = { serviceUrls, databaseUrls, workerLogs, bookIds: books.map(({ id }) => id), paymentMethodId };
  return { shop, sample };
}

async function describeMachine(databaseUrl: string): Promise<Machine> {
  const cpus = os.cpus();
  const [{ server_version }] = (await query<{ server_version: string }>(databaseUrl, 'SHOW server_version')) as [{ server_version: string }];
  const fauxqs = JSON.parse(readFileSync(path.join(root, 'node_modules/fauxqs/package.json'), 'utf8')) as { version: string };
  return {
    cpus: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.versions.node,
    postgres: server_version,
    emulator: `fauxqs ${fauxqs.version}`,
  };
}

main().catch((error: unknown) => {
  console.error('the benchmark failed:', error);
  process.exit(1);
});
