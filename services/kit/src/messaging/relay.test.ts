import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { contracts, type AnyEvent } from '@bookstore/events';
import { trace } from '@opentelemetry/api';
import pg from 'pg';
import { createPool } from '../db/pool';
import type { SqlExecutor } from '../db/sql';
import { startTracing } from '../telemetry/tracing';
import { createTestDatabase, eventually, FakePublisher, pgTransaction, query, recordStatements, testLogger } from '../testing';
import { enqueueEvents } from './outbox';
import { OutboxRelay, type OutboxRelayOptions } from './relay';

const catalogMigrations = path.resolve(__dirname, '../../../catalog/prisma/migrations');

let url: string;
let pool: pg.Pool;
const relays: OutboxRelay[] = [];

beforeAll(async () => {
  url = await createTestDatabase('catalog', catalogMigrations);
  pool = createPool(url, testLogger());
});

afterEach(async () => {
  await Promise.all(relays.splice(0).map((relay) => relay.stop()));
  await query(url, 'TRUNCATE outbox_events');
});

afterAll(async () => {
  await pool?.end();
});

const transaction = (work: (tx: SqlExecutor) => Promise<void>) => pgTransaction(pool, work);

const makeEvent = (): AnyEvent => contracts.OrderConfirmed.create({ orderId: randomUUID() }, { correlationId: randomUUID() });
const makeEvents = (count: number) => Array.from({ length: count }, makeEvent);
const enqueue = (events: AnyEvent[]) => transaction((tx) => enqueueEvents(tx, ...events));

function relay(publisher: FakePublisher, options: Partial<OutboxRelayOptions> = {}): OutboxRelay {
  const created = new OutboxRelay({ pool, publisher, logger: testLogger(), pollIntervalMs: 100, graceMs: 0, ...options });
  relays.push(created);
  return created;
}

const unpublished = async () => (await query<{ id: string }>(url, 'SELECT id FROM outbox_events WHERE published_at IS NULL ORDER BY id')).map((row) => row.id);
const allPublished = (what: string) => eventually(async () => ((await unpublished()).length === 0 ? true : undefined), { what });
const ids = (events: AnyEvent[]) => events.map((event) => event.id).sort();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const claimed = async () => (await query<{ id: string }>(url, 'SELECT id FROM outbox_events WHERE claimed_until IS NOT NULL')).map((row) => row.id);
/** A publisher held at its gate until the returned function opens it. */
const gated = (publisher: FakePublisher) => {
  let open!: () => void;
  publisher.gate = new Promise<void>((resolve) => (open = resolve));
  return () => open();
};

describe('OutboxRelay', () => {
  it('publishes each event with the trace context of the transaction that wrote it, though it runs in none of them', async () => {
    startTracing('relay-test');
    const tracer = trace.getTracer('test');
    const written: { events: AnyEvent[]; traceId: string }[] = [];
    for (const events of [makeEvents(2), makeEvents(1)]) {
      await tracer.startActiveSpan('a request', async (span) => {
        await enqueue(events);
        written.push({ events, traceId: span.spanContext().traceId });
        span.end();
      });
    }
    const publisher = new FakePublisher();
    await relay(publisher).drain(); // as a relay started after the writer died would: nothing in memory, all from the rows

    for (const { events, traceId } of written) {
      for (const event of events) expect(publisher.traceparents.get(event.id)).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-0[01]$`));
    }
    expect(new Set(written.map(({ traceId }) => traceId)).size).toBe(2);
  });

  it('publishes the events committed to the outbox and marks them published', async () => {
    const publisher = new FakePublisher();
    relay(publisher).start();
    const events = makeEvents(3);
    await enqueue(events);

    await allPublished('the events to be marked published');
    expect(ids(publisher.published)).toEqual(ids(events));
    // What the relay publishes is the event as enqueued, read back from the jsonb payload.
    for (const event of events) expect(publisher.published.find((candidate) => candidate.id === event.id)).toEqual(event);
    const rows = await query<{ id: string; published_at: Date | null }>(url, 'SELECT id, published_at FROM outbox_events');
    expect(rows.map((row) => row.id).sort()).toEqual(ids(events));
    for (const row of rows) expect(row.published_at).toBeInstanceOf(Date);
  });

  it('drains more events than one batch holds in one go, without waiting for the next poll', async () => {
    const publisher = new FakePublisher();
    const events = makeEvents(12);
    await enqueue(events);
    // Committed before the relay listens: no notification comes, and the next poll is 10 s away.
    relay(publisher, { batchSize: 5, pollIntervalMs: 10_000 }).start();

    await eventually(async () => ((await unpublished()).length === 0 ? true : undefined), { what: 'all batches', timeoutMs: 3_000 });
    expect(ids(publisher.published)).toEqual(ids(events));
    expect(publisher.calls).toBe(3);
  });

  it('publishes every event exactly once when two relays share the outbox', async () => {
    const events = makeEvents(120);
    for (let start = 0; start < events.length; start += 10) await enqueue(events.slice(start, start + 10));
    const publishers = [new FakePublisher(), new FakePublisher()];
    for (const publisher of publishers) publisher.delayMs = 10; // long enough for the relays' batches to overlap

    await Promise.all(publishers.map((publisher) => relay(publisher, { batchSize: 10 }).start()));
    await allPublished('both relays to publish the outbox');

    const published = publishers.flatMap((publisher) => publisher.published);
    expect(ids(published)).toEqual(ids(events)); // all of them, and none twice
    // Both relays took part, so the outbox really was shared.
    for (const publisher of publishers) expect(publisher.published.length).toBeGreaterThan(0);
  });

  it('keeps the events when publishing throws, and publishes them once the publisher recovers', async () => {
    const publisher = new FakePublisher();
    publisher.failWith = new Error('broker unreachable');
    relay(publisher).start();
    const events = makeEvents(4);
    await enqueue(events);

    await eventually(async () => (publisher.calls >= 2 ? true : undefined), { what: 'the relay to retry' });
    expect(publisher.published).toEqual([]);
    expect(await unpublished()).toEqual(ids(events));

    publisher.failWith = undefined;
    await allPublished('the events to be published after the recovery');
    expect(ids(publisher.published)).toEqual(ids(events));
  });

  it('backs off after a failure, however short its poll interval', async () => {
    const publisher = new FakePublisher();
    publisher.failWith = new Error('broker unreachable');
    await enqueue(makeEvents(1));
    relay(publisher, { pollIntervalMs: 10 }).start();
    await eventually(async () => (publisher.calls >= 1 ? true : undefined), { what: 'the first attempt', intervalMs: 10 });

    // 0.5 s: the first two backoffs (0.2 s, then 0.4 s), where the poll interval alone would allow fifty attempts.
    await sleep(500);
    expect(publisher.calls).toBeLessThanOrEqual(3);
  });

  it('retries only the events the broker rejected, and does not publish the accepted ones again', async () => {
    const publisher = new FakePublisher();
    const events = makeEvents(4);
    const [rejected] = events;
    publisher.reject.add(rejected!.id);
    relay(publisher).start();
    await enqueue(events);

    await eventually(async () => (publisher.calls >= 2 ? true : undefined), { what: 'the relay to retry the rejected event' });
    expect(await unpublished()).toEqual([rejected!.id]);

    publisher.reject.clear();
    await allPublished('the rejected event to be published on a retry');
    expect(ids(publisher.published)).toEqual(ids(events));
  });

  it('runs a batch as two autocommit statements, and gives back what SNS rejected for the next attempt at once', async () => {
    const recorded = createPool(url, testLogger());
    const { statements } = recordStatements(recorded);
    try {
      const publisher = new FakePublisher();
      const events = makeEvents(2);
      const [rejected] = events;
      publisher.reject.add(rejected!.id);
      await enqueue(events);
      const outbox = new OutboxRelay({ graceMs: 0, pool: recorded, publisher, logger: testLogger() });

      await expect(outbox.drain()).rejects.toThrow('1 of 2 events not published');
      // The claim, then what SNS accepted marked published and the rest released: no BEGIN, COMMIT or ROLLBACK.
      expect(statements.map((statement) => statement.trim().split(/\s+/)[0])).toEqual(['WITH', 'UPDATE']);
      expect(await unpublished()).toEqual([rejected!.id]);
      expect(await claimed()).toEqual([]);

      publisher.reject.clear();
      await outbox.drain(); // at once, not after the lease
      expect(await unpublished()).toEqual([]);
      expect(ids(publisher.published)).toEqual(ids(events));
    } finally {
      await recorded.end();
    }
  });

  it('holds no connection or transaction while SNS answers: Postgres ending every connection meanwhile costs no second publish', async () => {
    const own = createPool(url, testLogger());
    try {
      const publisher = new FakePublisher();
      const open = gated(publisher);
      const events = makeEvents(2);
      await enqueue(events);
      const draining = new OutboxRelay({ graceMs: 0, pool: own, publisher, logger: testLogger() }).drain();
      await eventually(async () => (publisher.calls > 0 ? true : undefined), { what: 'the batch to reach the publisher' });

      expect(own.totalCount - own.idleCount).toBe(0); // no client checked out
      const [inTransaction] = await query<{ count: number }>(
        url,
        "SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
      );
      expect(inTransaction!.count).toBe(0);
      await query(url, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      await sleep(100); // for the connections' errors to arrive (createPool's listener keeps them from crashing the process)
      open();

      await draining;
      expect(await unpublished()).toEqual([]);
      expect(publisher.calls).toBe(1);
    } finally {
      await own.end();
    }
  });

  it('publishes what a relay claimed before it died once the lease runs out, and not before', async () => {
    const leaseMs = 1_500;
    const events = makeEvents(3);
    await enqueue(events);
    const doomedPool = createPool(url, testLogger());
    const dead = new FakePublisher();
    dead.gate = new Promise<void>(() => undefined); // never answers: the process dies while SNS is being called
    void new OutboxRelay({ graceMs: 0, pool: doomedPool, publisher: dead, logger: testLogger(), leaseMs }).drain();
    await eventually(async () => (dead.calls > 0 ? true : undefined), { what: 'the first relay to claim the batch', intervalMs: 10 });
    const claimedAt = Date.now();
    await doomedPool.end(); // its connections go with it; the claim stays in the rows
    expect((await claimed()).sort()).toEqual(ids(events));

    // Another relay, or the same service restarted: it polls every 100 ms.
    const survivor = new FakePublisher();
    relay(survivor, { leaseMs }).start();
    await sleep(leaseMs / 2);
    expect(survivor.calls).toBe(0); // within the lease the rows are the first relay's: never published by two at once

    await allPublished('the survivor to publish them after the lease');
    expect(Date.now() - claimedAt).toBeGreaterThanOrEqual(leaseMs - 100);
    expect(ids(survivor.published)).toEqual(ids(events));
  });

  it('a relay whose publish outlived its lease gives back nothing that another relay has claimed since', async () => {
    const events = makeEvents(2);
    await enqueue(events);
    const slow = new FakePublisher();
    const openSlow = gated(slow);
    slow.failWith = new Error('SNS timed out');
    const slowDrain = new OutboxRelay({ graceMs: 0, pool, publisher: slow, logger: testLogger(), leaseMs: 200 }).drain();
    await eventually(async () => (slow.calls > 0 ? true : undefined), { what: 'the slow relay to claim the batch', intervalMs: 10 });
    await sleep(300); // its lease has run out

    const next = new FakePublisher();
    const openNext = gated(next);
    const nextDrain = new OutboxRelay({ graceMs: 0, pool, publisher: next, logger: testLogger() }).drain();
    await eventually(async () => (next.calls > 0 ? true : undefined), { what: 'another relay to take the batch over', intervalMs: 10 });
    openSlow();
    await expect(slowDrain).rejects.toThrow('SNS timed out');

    // The slow relay's failure released only its own claim: the rows are still the second relay's.
    expect((await claimed()).sort()).toEqual(ids(events));
    const third = new FakePublisher();
    await new OutboxRelay({ graceMs: 0, pool, publisher: third, logger: testLogger() }).drain();
    expect(third.calls).toBe(0);

    openNext();
    await nextDrain;
    expect(await unpublished()).toEqual([]);
    expect(ids(next.published)).toEqual(ids(events));
  });

  it('publishes in the order the events were committed (created_at, then id)', async () => {
    const events: AnyEvent[] = [];
    for (let commit = 0; commit < 4; commit += 1) {
      const batch = makeEvents(3);
      events.push(...batch.sort((a, b) => (a.id < b.id ? -1 : 1))); // one transaction: one created_at, then by id
      await enqueue(batch);
      await sleep(5);
    }
    const publisher = new FakePublisher();
    await new OutboxRelay({ graceMs: 0, pool, publisher, logger: testLogger(), batchSize: 5 }).drain();
    expect(publisher.published.map((event) => event.id)).toEqual(events.map((event) => event.id));
  });

  it('stop() waits for the batch being published, then flushes what was committed meanwhile', async () => {
    const publisher = new FakePublisher();
    const open = gated(publisher);
    const outbox = relay(publisher, { pollIntervalMs: 10_000 });
    outbox.start();

    const early = makeEvents(2);
    await enqueue(early);
    await eventually(async () => (publisher.calls > 0 ? true : undefined), { what: 'the relay to start publishing' });
    // Committed while the first batch is being published: that batch cannot contain them.
    const late = makeEvents(3);
    await enqueue(late);

    const stopping = outbox.stop();
    open();
    await stopping;

    expect(await unpublished()).toEqual([]);
    expect(ids(publisher.published)).toEqual(ids([...early, ...late]));
  });

  it('leaves events younger than its grace period to the process that committed them, and publishes them once past it', async () => {
    const publisher = new FakePublisher();
    const graceMs = 1_000;
    const events = makeEvents(2);
    // The rows' created_at is their transaction's start, which is no earlier than this, however slow the commit.
    const committingAt = Date.now();
    await enqueue(events);
    relay(publisher, { pollIntervalMs: 50, graceMs }).start();

    await sleep(committingAt + graceMs / 2 - Date.now());
    expect(publisher.calls).toBe(0);
    await allPublished('the events, once past the grace period');
    expect(Date.now() - committingAt).toBeGreaterThanOrEqual(graceMs - 100);
    expect(ids(publisher.published)).toEqual(ids(events));
  });
});
