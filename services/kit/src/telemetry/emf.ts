import type { Logger } from '../logger';
import type { SagaMetric } from './metrics';

/** CloudWatch takes at most 100 values of a metric in one EMF line. */
const maxValuesPerLine = 100;

/**
 * Writes metrics as CloudWatch Embedded Metric Format lines into the service's log: on ECS the awslogs driver ships
 * them to CloudWatch Logs, which turns them into metrics with no agent and no API call on the hot path. Writes nothing
 * without a namespace (npm start, tests that do not ask for it): there is no CloudWatch to read them.
 */
export class MetricsLog {
  constructor(
    private readonly logger: Logger,
    readonly namespace: string | undefined,
  ) {}

  get enabled(): boolean {
    return this.namespace !== undefined;
  }

  /** `values` of one metric, all with the same dimension values (one per dimension the metric declares). */
  put<M extends SagaMetric>(metric: M, dimensions: Readonly<Record<M['dimensions'][number], string>>, values: number | readonly number[]): void {
    if (!this.namespace) return;
    const all = typeof values === 'number' ? [values] : values;
    for (let start = 0; start < all.length; start += maxValuesPerLine) {
      const chunk = all.slice(start, start + maxValuesPerLine);
      const line: Record<string, unknown> = {
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [
            { Namespace: this.namespace, Dimensions: [[...metric.dimensions]], Metrics: [{ Name: metric.name, Unit: metric.unit }] },
          ],
        },
        ...dimensions,
        [metric.name]: chunk.length === 1 ? chunk[0] : chunk,
      };
      this.logger.info(line, 'metric');
    }
  }
}
