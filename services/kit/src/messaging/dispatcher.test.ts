import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { contracts, type AnyEvent } from '@bookstore/events';
import { createPool } from '../db/pool';
import { inSharedTransaction, inTransaction } from '../db/transaction';
import { createLogger } from '../logger';
import { FakePublisher, pgTransaction, query, recordStatements, testLogger, useOutboxTables } from '../testing';
import { OutboxDispatcher } from './dispatcher';
import { enqueueEvents } from './outbox';
import { OutboxRelay } from './relay';

const tables = useOutboxTables();
afterEach(() => query(tables.url, 'TRUNCATE outbox_events'));

const makeEvents = (count: number): AnyEvent[] =>
  Array.from({ length: count }, () => contracts.OrderConfirmed.create({ orderId: randomUUID() }, { correlationId: randomUUID() }));
/** Commits events to the outbox, as a use case's transaction does, and returns them. */
const commit = async (events: AnyEvent[]) => (await pgTransaction(tables.pool, (tx) => enqueueEvents(tx, ...events)), events);
const publishedIds = async () => (await query<{ id: string }>(tables.url, 'SELECT id FROM outbox_events WHERE published_at IS NOT NULL')).map(({ id }) => id).sort();
const ids = (events: AnyEvent[]) => events.map(({ id }) => id).sort();

describe('OutboxDispatcher', () => {
  it('publishes committed events at once and marks them published: one PublishBatch and one prepared statement, none before the publish', async () => {
    const own = createPool(tables.url, testLogger());
    try {
      const log = recordStatements(own);
      const publisher = new FakePublisher();
      const dispatcher = new OutboxDispatcher({ pool: own, publisher, logger: testLogger() });
      const events = await commit(makeEvents(3));

      const statements = await log.sentBy(async () => {
        dispatcher.dispatch(events);
        await dispatcher.flush();
      });
      expect(publisher.batches).toEqual([events.map(({ id }) => id)]);
      expect(statements.map((statement) => statement.trim().split(/\s+/)[0])).toEqual(['UPDATE']);
      expect(log.unprepared).toEqual([]);
      expect(await publishedIds()).toEqual(ids(events));
    } finally {
      await own.end();
    }
  });

  it('sends what is dispatched while a publish is in flight together, in the next publish', async () => {
    const publisher = new FakePublisher();
    let open!: () => void;
    publisher.gate = new Promise<void>((resolve) => (open = resolve));
    const dispatcher = new OutboxDispatcher({ pool: tables.pool, publisher, logger: testLogger() });
    const [first, ...rest] = await commit(makeEvents(4));

    dispatcher.dispatch([first!]);
    for (const event of rest) dispatcher.dispatch([event]);
    open();
    await dispatcher.flush();
    expect(publisher.batches).toEqual([[first!.id], rest.map(({ id }) => id)]);
    expect(await publishedIds()).toEqual(ids([first!, ...rest]));
  });

  it('inside a shared transaction, publishes only once it has committed, and nothing when it rolls back', async () => {
    const publisher = new FakePublisher();
    const dispatcher = new OutboxDispatcher({ pool: tables.pool, publisher, logger: testLogger() });
    const [kept, dropped] = [makeEvents(1), makeEvents(1)];

    await inSharedTransaction(tables.pool, async () => {
      await inTransaction(tables.pool, (client) => enqueueEvents(client, ...kept));
      dispatcher.dispatch(kept);
      await dispatcher.flush();
      expect(publisher.calls).toBe(0);
    });
    await dispatcher.flush();
    expect(publisher.batches).toEqual([ids(kept)]);

    await expect(
      inSharedTransaction(tables.pool, async () => {
        await inTransaction(tables.pool, (client) => enqueueEvents(client, ...dropped));
        dispatcher.dispatch(dropped);
        throw new Error('a later event of the batch failed');
      }),
    ).rejects.toThrow();
    await dispatcher.flush();
    expect(publisher.batches).toEqual([ids(kept)]);
    expect(await publishedIds()).toEqual(ids(kept));
  });

  it('leaves what it could not publish unpublished, and the relay publishes it once past its grace period', async () => {
    const broken = new FakePublisher();
    broken.failWith = new Error('broker unreachable');
    const events = await commit(makeEvents(2));
    const rejected = await commit(makeEvents(1));
    broken.reject.add(rejected[0]!.id);
    const dispatcher = new OutboxDispatcher({ pool: tables.pool, publisher: broken, logger: testLogger() });
    dispatcher.dispatch(events);
    await dispatcher.flush();
    broken.failWith = undefined;
    dispatcher.dispatch(rejected);
    await dispatcher.flush();
    expect(await publishedIds()).toEqual([]);

    const publisher = new FakePublisher();
    await new OutboxRelay({ pool: tables.pool, publisher, logger: testLogger(), graceMs: 0 }).drain();
    expect(ids(publisher.published)).toEqual(ids([...events, ...rejected]));
    expect(await publishedIds()).toEqual(ids([...events, ...rejected]));
  });

  it('flush() waits for the publish and the marking in flight', async () => {
    const publisher = new FakePublisher();
    publisher.delayMs = 200;
    const dispatcher = new OutboxDispatcher({ pool: tables.pool, publisher, logger: testLogger() });
    const events = await commit(makeEvents(2));
    dispatcher.dispatch(events);
    await dispatcher.flush();
    expect(await publishedIds()).toEqual(ids(events));
  });
});

describe('OutboxDispatcher during an outage', () => {
  it('logs the first failure, every 20th, and the recovery, not every failed publish', async () => {
    const lines: { msg: string; failures: number }[] = [];
    const destination = new PassThrough();
    destination.on('data', (chunk: Buffer) => lines.push(JSON.parse(chunk.toString('utf8'))));
    const logger = createLogger('test', { level: 'info', destination });
    const publisher = new FakePublisher();
    publisher.failWith = new Error('broker unreachable');
    const dispatcher = new OutboxDispatcher({ pool: tables.pool, publisher, logger });
    for (let attempt = 0; attempt < 25; attempt += 1) {
      dispatcher.dispatch(makeEvents(1));
      await dispatcher.flush();
    }
    publisher.failWith = undefined;
    dispatcher.dispatch(await commit(makeEvents(1)));
    await dispatcher.flush();
    expect(lines.map(({ msg, failures }) => `${msg} (${failures})`)).toEqual([
      'publishing committed events failed; the outbox relay will retry them (1)',
      'publishing committed events failed; the outbox relay will retry them (20)',
      'publishing committed events recovered (25)',
    ]);
  });
});
