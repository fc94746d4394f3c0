/**
 * `npm run chaos [-- --short] [-- --seed N]`: a bounded run on loopback that places a steady stream of orders
 * while processes are SIGKILLed, the broker and Postgres go away, every event arrives twice (some late) and
 * poison messages land on the queues; then it lets the system settle and checks what must hold.
 * Exits 1 when an invariant is violated. RELIABILITY.md explains the run and keeps its last results.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startLoopbackSystem, type LoopbackSystem } from '@bookstore/apphost';
import { ApiClient, cards, checkInvariants, type InvariantResult } from '@bookstore/apphost/testing';
import { createAwsClients, resolveTopology } from '@bookstore/events';
import { createLogger } from '@bookstore/kit';
import { distribution, query, seededRandom } from '@bookstore/kit/testing';
import { checkAcceptedOrders, checkDeadLetters } from './checks';
import { Duplicator } from './duplicator';
import { plans, runFaults, type FaultEvent } from './faults';
import { checkLiveness, measureLiveness } from './liveness';
import { dropPoison, type PoisonMessage } from './poison';
import { settle } from './settle';
import { Shoppers } from './shoppers';

const { values: args } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    seed: { type: 'string' },
    rate: { type: 'string', default: '5' },
  },
});
const mode = args.short ? 'short' : 'full';
const plan = plans[mode];
const seed = Number(args.seed ?? Math.floor(Math.random() * 2 ** 31));
const ordersPerSecond = Number(args.rate);
const random = seededRandom(seed);
const reportDir = path.resolve(__dirname, '../../reports');
const logDir = path.join(reportDir, `chaos-${mode}`);
const startedAt = Date.now();
const say = (line: string) => process.stdout.write(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);

/** A pending order is cancelled after this long, so an order the chaos stranded is still decided within the settle window. */
const orderDeadlineSeconds = 45;
const settleTimeoutMs = (orderDeadlineSeconds + 75) * 1000;

async function main(): Promise<number> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  say(`chaos (${mode}): ${plan.durationSeconds} s of orders at ${ordersPerSecond}/s, seed ${seed}; service logs in ${path.relative(process.cwd(), logDir)}`);
  const adminToken = randomBytes(18).toString('base64url');
  const unexpectedExits: string[] = [];
  const system = await startLoopbackSystem({
    logger: createLogger('chaos', { level: 'warn' }),
    logDir,
    adminToken,
    brokerProxy: true,
    supervise: true,
    onUnexpectedExit: (process, code, signal) => {
      unexpectedExits.push(`${process.label} (${signal ?? `exit ${code}`})`);
      say(`${process.label} exited on its own (${signal ?? `exit code ${code}`}); restarting it, as ECS would`);
    },
    env: {
      SQS_WAIT_TIME_SECONDS: '2',
      LOG_LEVEL: 'info',
      ORDER_DEADLINE_SECONDS: String(orderDeadlineSeconds),
      ORDER_DEADLINE_SWEEP_MS: '2000',
      // Shoppers from one address, hundreds of orders: the per-client rate limits would refuse all but the first few.
      RATE_LIMITS: 'off',
    },
    onStep: say,
  });
  try {
    return await run(system, unexpectedExits, adminToken);
  } finally {
    say('stopping');
    await system.stop();
  }
}

async function run(system: LoopbackSystem, unexpectedExits: string[], adminToken: string): Promise<number> {
  const { stack } = system;
  const topology = resolveTopology();
  const aws = createAwsClients({ endpoint: system.emulatorEndpoint });
  const payments = new ApiClient(stack.serviceUrls.payments, adminToken);
  const books = await query<{ id: string; stock: number }>(stack.databaseUrls.catalog, 'SELECT id::text, stock FROM books');
  const initialStock = new Map(books.map(({ id, stock }) => [id, stock]));
  const shoppers = new Shoppers(
    {
      ordersUrl: stack.serviceUrls.orders,
      cards: { good: await payments.registerCard(cards.good), declined: await payments.registerCard(cards.declined) },
      inStock: books.filter(({ stock }) => stock > 0).map(({ id }) => id),
      soldOut: books.filter(({ stock }) => stock === 0).map(({ id }) => id),
    },
    random,
  );
  const duplicator = await Duplicator.start(aws, topology, 'chaos-duplicates', random);
  const poison: PoisonMessage[] = [];
  const faults: FaultEvent[] = [];

  say('placing orders; faults begin');
  shoppers.start(ordersPerSecond);
  const restarts = await runFaults(
    system,
    plan,
    random,
    async () => {
      const message = await dropPoison(aws.sqs, topology, random);
      poison.push(message);
      return `poison (${message.reason}) on ${message.queue}`;
    },
    (event) => {
      faults.push(event);
      say(event.fault);
    },
  );
  const faultsEndedAt = new Date();
  say(`faults over; orders keep coming for ${plan.calmSeconds} s`);
  await sleep(plan.calmSeconds * 1000);
  say('waiting for the last placements');
  await shoppers.stop();

  say('letting the system settle');
  const progress = ({ pendingOrders, unpublishedEvents, queuedMessages }: { pendingOrders: number; unpublishedEvents: number; queuedMessages: number }) =>
    say(`  ${pendingOrders} pending orders, ${unpublishedEvents} unpublished events, ${queuedMessages} queued messages`);
  const settleOptions = { timeoutMs: settleTimeoutMs, onProgress: progress };
  await settle(aws.sqs, topology, stack.databaseUrls, settleOptions);
  await duplicator.stop(); // its last copies are on the queues now; settle once more for them
  const settled = await settle(aws.sqs, topology, stack.databaseUrls, settleOptions);

  const acceptedIds = shoppers.tally.accepted.map(({ orderId }) => orderId);
  const liveness = await measureLiveness(stack.databaseUrls.orders, acceptedIds, faultsEndedAt);
  const results: InvariantResult[] = [
    { name: 'the system settles', ok: settled.settled, detail: JSON.stringify(settled.backlog) },
    await checkAcceptedOrders(stack.databaseUrls.orders, acceptedIds),
    ...(await checkInvariants({ databaseUrls: stack.databaseUrls, initialStock })),
    await checkDeadLetters(aws.sqs, topology, poison),
    {
      name: 'no answer but 503 (outage, retry) is a 5xx',
      ok: Object.keys(shoppers.tally.retries).every((answer) => answer === '503' || answer === 'network'),
      detail: `retried after ${JSON.stringify(shoppers.tally.retries)}`,
    },
    { name: 'valid orders are never refused', ok: shoppers.tally.refused.length === 0, detail: `${shoppers.tally.refused.length} refused${shoppers.tally.refused[0] ? `: ${JSON.stringify(shoppers.tally.refused[0])}` : ''}` },
    ...checkLiveness(liveness, [...unexpectedExits, ...restarts.failedStarts.map((label) => `${label} (failed to start)`)], mode === 'full'),
  ];
  const outcomes = await query<{ status: string; reason: string | null; count: number }>(
    stack.databaseUrls.orders,
    'SELECT status::text, cancel_reason AS reason, count(*)::int AS count FROM orders GROUP BY 1, 2 ORDER BY 1, 2',
  );

  const figures = {
    mode,
    seed,
    ordersPerSecond,
    durationSeconds: plan.durationSeconds,
    calmSeconds: plan.calmSeconds,
    accepted: shoppers.tally.accepted.length,
    acceptedByKind: countBy(shoppers.tally.accepted.map(({ kind }) => kind)),
    abandoned: shoppers.tally.abandoned,
    retriesByAnswer: shoppers.tally.retries,
    outcomes: Object.fromEntries(outcomes.map(({ status, reason, count }) => [reason ? `${status} (${reason})` : status, count])),
    timedOut: `${liveness.timedOut} (${(liveness.timeoutShare * 100).toFixed(1)}%)`,
    decidedDuring: liveness.placedToDecidedMs.duringFaults,
    decidedAfter: liveness.placedToDecidedMs.afterFaults,
    processKills: faults.filter(({ fault }) => fault.startsWith('SIGKILL')).length,
    unexpectedExits,
    failedStarts: restarts.failedStarts,
    serveAgainMs: distribution(restarts.serveAgainMs),
    brokerOutages: plan.brokerOutages.length,
    postgresRestarts: plan.postgresRestarts.length,
    duplicates: duplicator.tally,
    poisonMessages: poison.length,
    totalSeconds: Math.round((Date.now() - startedAt) / 1000),
  };
  printReport(figures, results);
  mkdirSync(reportDir, { recursive: true });
  writeFileSync(path.join(reportDir, `chaos-${mode}.json`), `${JSON.stringify({ at: new Date().toISOString(), figures, liveness, faults, results }, null, 2)}\n`);
  return results.every(({ ok }) => ok) ? 0 : 1;
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function printReport(figures: Record<string, unknown>, results: InvariantResult[]): void {
  const lines = ['', 'What happened:'];
  for (const [name, value] of Object.entries(figures)) lines.push(`  ${name.padEnd(18)} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  lines.push('', 'Invariants:');
  for (const { name, ok, detail } of results) lines.push(`  ${ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
  const failed = results.filter(({ ok }) => !ok).length;
  lines.push('', failed === 0 ? `All ${results.length} invariants hold.` : `${failed} of ${results.length} invariants violated.`, '');
  process.stdout.write(lines.join('\n'));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('the chaos run itself failed:', error);
    process.exit(2);
  },
);
