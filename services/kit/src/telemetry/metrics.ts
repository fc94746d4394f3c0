/**
 * The service-level metrics of the order saga, written by the services as CloudWatch Embedded Metric Format lines in
 * their logs (no agent: CloudWatch Logs extracts them from the awslogs stream), and alarmed on and charted by the
 * Pulumi stack. The one list both read, so a metric renamed here is renamed in the alarms too. No imports, so that the
 * infrastructure can read it without the services' code.
 */

/** Where the metrics live in CloudWatch: the namespace prefix, followed by the stack's name prefix (`Bookstore/bookstore-prod`). */
export const metricsNamespacePrefix = 'Bookstore';

/** How often the workers report the metrics they count rather than observe (the gauges): CloudWatch's finest standard resolution. */
export const metricsIntervalMs = 60_000;

export const sagaMetrics = {
  /** Milliseconds from an order's placing to its decision, per outcome (CONFIRMED or CANCELLED). Written by Orders' worker. */
  placedToDecided: { name: 'PlacedToDecided', unit: 'Milliseconds', dimensions: ['Service', 'Outcome'] },
  /** Orders decided, one per decision, per outcome and reason (the cancellation reason, or `none`). Written by Orders' worker. */
  ordersDecided: { name: 'OrdersDecided', unit: 'Count', dimensions: ['Service', 'Outcome', 'Reason'] },
  /** Orders still PENDING 30 s after they were placed, counted every minute by Orders' worker. */
  ordersPendingOver30s: { name: 'OrdersPendingOver30s', unit: 'Count', dimensions: ['Service'] },
  /** Orders still PENDING past their deadline (the overdue sweep should have cancelled them), counted every minute by Orders' worker. */
  ordersPendingPastDeadline: { name: 'OrdersPendingPastDeadline', unit: 'Count', dimensions: ['Service'] },
  /** Seconds the oldest unpublished outbox event of a service has waited, written every minute by each service's worker. */
  outboxLag: { name: 'OutboxLag', unit: 'Seconds', dimensions: ['Service'] },
} as const;

export type SagaMetric = (typeof sagaMetrics)[keyof typeof sagaMetrics];
