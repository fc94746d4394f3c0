import type { MetricsLog } from '@bookstore/kit';
import { metricsSpy } from '@bookstore/kit/testing';
import { applySagaEvent } from './apply-saga-event';
import { reportSagaMetrics } from './report-saga-metrics';
import { declined, reserved, settled, storedOrder } from './saga.fixtures';
import { useOrdersDatabase } from './test-support';

const orders = useOrdersDatabase();

/** Reports the window since the last report, whatever its age. */
const reportNow = (metrics: MetricsLog) => reportSagaMetrics(orders.db.pool, metrics, 0);

describe('the saga metrics report', () => {
  it('reports each decision once, with its placed -> decided latency, outcome and reason, and the pending orders', async () => {
    await reportNow(metricsSpy().metrics); // the window of whatever other tests decided
    const confirmed = await storedOrder(orders.db.pool);
    const cancelled = await storedOrder(orders.db.pool);
    await storedOrder(orders.db.pool, -1); // past its deadline, not yet swept
    await orders.db.pool.query(`UPDATE orders SET created_at = now() - interval '1 minute' WHERE id = ANY($1::uuid[])`, [[confirmed, cancelled]]);
    for (const event of [reserved(confirmed), settled(confirmed), declined(cancelled)]) await applySagaEvent(orders.db, event);

    const { metrics, lines } = metricsSpy();
    const report = await reportNow(metrics);
    expect(report?.decided.map(({ outcome, reason }) => `${outcome}/${reason}`).sort()).toEqual(['CANCELLED/payment_declined', 'CONFIRMED/none']);
    for (const { placedToDecidedMs } of report!.decided) expect(placedToDecidedMs).toBeGreaterThanOrEqual(59_000);
    expect(report?.pending.pastDeadline).toBeGreaterThanOrEqual(1);

    const byMetric = (name: string) => lines().filter((line) => name in line);
    expect(
      byMetric('PlacedToDecided')
        .map((line) => line.Outcome)
        .sort(),
    ).toEqual(['CANCELLED', 'CONFIRMED']);
    expect(byMetric('OrdersDecided').map(({ Outcome, Reason, OrdersDecided }) => [Outcome, Reason, OrdersDecided])).toEqual(
      expect.arrayContaining([
        ['CONFIRMED', 'none', 1],
        ['CANCELLED', 'payment_declined', 1],
      ]),
    );
    expect(byMetric('OrdersPendingPastDeadline')[0]).toMatchObject({ Service: 'orders', OrdersPendingPastDeadline: report!.pending.pastDeadline });

    const again = metricsSpy();
    expect((await reportNow(again.metrics))?.decided).toEqual([]); // the next window starts where this one ended
  });

  it('skips its turn while another report is younger than the gap, so two workers never report a window twice', async () => {
    await reportNow(metricsSpy().metrics);
    const { metrics, lines } = metricsSpy();
    expect(await reportSagaMetrics(orders.db.pool, metrics, 60_000)).toBeUndefined();
    expect(lines()).toEqual([]);
  });
});
