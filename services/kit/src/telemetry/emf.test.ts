import { metricsSpy } from '../testing/metrics';
import { sagaMetrics } from './metrics';

describe('MetricsLog (CloudWatch Embedded Metric Format)', () => {
  it('writes a line CloudWatch turns into the metric: its namespace, dimension set, name and unit, and the values at the root', () => {
    const { metrics, lines } = metricsSpy('Bookstore/test');
    metrics.put(sagaMetrics.placedToDecided, { Service: 'orders', Outcome: 'CONFIRMED' }, [12, 34]);
    const line = lines()[0]!;
    expect(line._aws).toEqual({
      Timestamp: expect.any(Number),
      CloudWatchMetrics: [
        { Namespace: 'Bookstore/test', Dimensions: [['Service', 'Outcome']], Metrics: [{ Name: 'PlacedToDecided', Unit: 'Milliseconds' }] },
      ],
    });
    // Every dimension the set names must be a root member of the line, or CloudWatch drops the metric.
    for (const dimension of line._aws.CloudWatchMetrics[0].Dimensions[0]) expect(typeof line[dimension]).toBe('string');
    expect(line).toMatchObject({ Service: 'orders', Outcome: 'CONFIRMED', PlacedToDecided: [12, 34] });
  });

  it('splits more than 100 values over several lines, as CloudWatch takes at most 100 a line', () => {
    const { metrics, lines } = metricsSpy('Bookstore/test');
    metrics.put(
      sagaMetrics.placedToDecided,
      { Service: 'orders', Outcome: 'CONFIRMED' },
      Array.from({ length: 250 }, (_, index) => index),
    );
    expect(lines().map((line) => line.PlacedToDecided.length)).toEqual([100, 100, 50]);
  });

  it('writes nothing without a namespace', () => {
    const { metrics, lines } = metricsSpy(null);
    metrics.put(sagaMetrics.outboxLag, { Service: 'orders' }, 3);
    expect(metrics.enabled).toBe(false);
    expect(lines()).toEqual([]);
  });
});
