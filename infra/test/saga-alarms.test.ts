import { sagaMetrics } from '@bookstore/kit/metrics';
import { ofType, synthesize } from './harness';

describe("the saga's latency alarm, set per stack", () => {
  it('pages when the p99 from placed to CONFIRMED passes bookstore:placedToConfirmedP99Seconds, and marks it on the dashboard', async () => {
    const { declared } = await synthesize('prod', { 'bookstore:placedToConfirmedP99Seconds': '8' });
    const alarms = ofType(declared, 'aws:cloudwatch/metricAlarm:MetricAlarm').filter(({ inputs }) => inputs.metricName === sagaMetrics.placedToDecided.name);
    expect(alarms.map(({ inputs }) => [inputs.extendedStatistic, inputs.threshold])).toEqual([['p99', 8_000]]);
    const body = JSON.parse(ofType(declared, 'aws:cloudwatch/dashboard:Dashboard')[0]!.inputs.dashboardBody);
    const annotations = body.widgets.flatMap((widget: any) => widget.properties.annotations?.horizontal ?? []);
    expect(annotations).toContainEqual(expect.objectContaining({ value: 8_000 }));
  });
});
