import { contracts } from '@bookstore/events';
import { randomUUID } from 'node:crypto';
import { metricsSpy, pgTransaction, query, useOutboxTables } from '../testing';
import { enqueueEvents } from './outbox';
import { reportOutboxLag } from './outbox-lag';

const tables = useOutboxTables();
afterEach(() => query(tables.url, 'TRUNCATE outbox_events'));

describe('the outbox lag report', () => {
  it('reports 0 for an outbox with nothing unpublished, and the age of the oldest unpublished event otherwise', async () => {
    const { metrics, lines } = metricsSpy();
    expect(await reportOutboxLag(tables.pool, metrics, 'catalog')).toBe(0);

    const event = contracts.OrderConfirmed.create({ orderId: randomUUID() }, { correlationId: randomUUID() });
    await pgTransaction(tables.pool, (tx) => enqueueEvents(tx, event));
    await query(tables.url, `UPDATE outbox_events SET created_at = now() - interval '90 seconds'`);
    const lag = await reportOutboxLag(tables.pool, metrics, 'catalog');
    expect(lag).toBeGreaterThanOrEqual(90);
    expect(lag).toBeLessThan(100);

    await query(tables.url, `UPDATE outbox_events SET published_at = now()`);
    expect(await reportOutboxLag(tables.pool, metrics, 'catalog')).toBe(0);
    expect(lines().map((line) => [line.Service, line.OutboxLag])).toEqual([
      ['catalog', 0],
      ['catalog', lag],
      ['catalog', 0],
    ]);
  });
});
