import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { sagaMetrics, type SagaMetric } from '@bookstore/kit/metrics';
import { serviceNames } from '@bookstore/kit/platform';
import type { FirewallMetrics } from './firewall';
import type { QueueResources } from './messaging';
import type { Workload } from './security';

export interface MonitoringArgs {
  namePrefix: string;
  region: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  queues: QueueResources[];
  loadBalancer: aws.lb.LoadBalancer;
  targetGroups: Record<Workload, aws.lb.TargetGroup>;
  alarmEmail?: string;
  /** Where the services write the saga's metrics (METRICS_NAMESPACE): `Bookstore/<name prefix>`. */
  metricsNamespace: string;
  placedToConfirmedP99Seconds: number;
  /** The WAF in front of the load balancer: its blocked requests are charted, and a sustained run of blocked order writes alarms. */
  firewall: FirewallMetrics;
}

/**
 * What pages on-call: a backlog growing, messages getting old, anything dead-lettered, 5xx, unhealthy targets; orders
 * left pending past their deadline, a slow saga (its threshold is a setting), an outbox that stopped publishing.
 */
export const thresholds = {
  visibleMessages: 1_000,
  oldestMessageSeconds: 300,
  deadLetters: 0,
  serverErrorsPer5Minutes: 10,
  ordersPendingPastDeadline: 0,
  outboxLagSeconds: 60,
  /**
   * Card or order writes the WAF blocked in each 5 minutes, for 15 minutes in a row. A shopper who trips the limit is
   * blocked a few times and stops; hundreds blocked for a quarter of an hour is a client (or many) hammering checkout: card
   * testing or order spam, of which the rate limit still lets some through to the payment provider. Someone should look.
   */
  blockedOrderWritesPer5Minutes: 100,
};

/** The saga's metrics are Orders' own (its worker decides and sweeps orders); the outbox lag is every service's. */
const sagaService = 'orders';
/** The Outcome dimension is the order's final status (services/orders/src/domain/order-status.ts). */
const outcomes = ['CONFIRMED', 'CANCELLED'] as const;

/**
 * A metric of services/kit's telemetry/metrics.ts as CloudWatch stores it. The dimensions must be exactly those the
 * services write it with: CloudWatch treats every other combination as another metric, with no data.
 */
function sagaMetric<M extends SagaMetric>(namespace: string, metric: M, dimensions: Record<M['dimensions'][number], string>) {
  return { namespace, metricName: metric.name, dimensions };
}

/**
 * CloudWatch alarms for every queue and dead-letter queue of the topology and for the load balancer, all
 * sent to one alarm topic (with an email subscription when configured), and a dashboard of the same metrics.
 */
export class Monitoring extends pulumi.ComponentResource {
  readonly alarmKey: aws.kms.Key;
  readonly alarmTopic: aws.sns.Topic;
  readonly alarms: aws.cloudwatch.MetricAlarm[] = [];
  readonly dashboard: aws.cloudwatch.Dashboard;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bookstore:monitoring:Monitoring', name, {}, opts);
    const parent = { parent: this };
    this.alarmKey = new aws.kms.Key(`${name}-alarms`, {
      description: `encrypts ${args.namePrefix}-alarms; usable by CloudWatch alarms, so that they can publish to it`,
      enableKeyRotation: true,
      policy: alarmKeyPolicy(args),
    }, parent);
    // Not the AWS-managed SNS key: its policy cannot be changed, so CloudWatch could never publish, and no alarm would reach anyone.
    this.alarmTopic = new aws.sns.Topic(`${name}-alarms`, { name: `${args.namePrefix}-alarms`, kmsMasterKeyId: this.alarmKey.arn }, { ...parent, deleteBeforeReplace: true });
    if (args.alarmEmail) {
      new aws.sns.TopicSubscription(`${name}-alarms-email`, { topic: this.alarmTopic.arn, protocol: 'email', endpoint: args.alarmEmail }, parent);
    }
    const alarm = (id: string, description: string, metric: Omit<aws.cloudwatch.MetricAlarmArgs, 'alarmActions' | 'okActions' | 'alarmDescription'>) => {
      const created = new aws.cloudwatch.MetricAlarm(`${name}-${id}`, {
        // Named, so that the alarm key's policy can admit exactly this stack's alarms (`<prefix>-*`).
        name: `${args.namePrefix}-${id}`,
        alarmDescription: description,
        alarmActions: [this.alarmTopic.arn],
        okActions: [this.alarmTopic.arn],
        treatMissingData: 'notBreaching',
        ...metric,
      // PutMetricAlarm overwrites an alarm of the same name: a replacement created before the old one is deleted would be deleted with it.
      }, { ...parent, deleteBeforeReplace: true });
      this.alarms.push(created);
      return created;
    };

    for (const { spec, queue, deadLetterQueue } of args.queues) {
      const onQueue = (metricName: string, target: aws.sqs.Queue) => ({ namespace: 'AWS/SQS', metricName, dimensions: { QueueName: target.name }, period: 60 });
      alarm(`${spec.consumer}-depth`, `${spec.name}: more than ${thresholds.visibleMessages} messages waiting`, {
        ...onQueue('ApproximateNumberOfMessagesVisible', queue), statistic: 'Maximum', comparisonOperator: 'GreaterThanThreshold', threshold: thresholds.visibleMessages, evaluationPeriods: 5,
      });
      alarm(`${spec.consumer}-age`, `${spec.name}: the oldest message waits more than ${thresholds.oldestMessageSeconds} s`, {
        ...onQueue('ApproximateAgeOfOldestMessage', queue), statistic: 'Maximum', comparisonOperator: 'GreaterThanThreshold', threshold: thresholds.oldestMessageSeconds, evaluationPeriods: 3,
      });
      alarm(`${spec.consumer}-dead-letters`, `${spec.deadLetterQueueName}: a message was dead-lettered (see the operations guide)`, {
        ...onQueue('ApproximateNumberOfMessagesVisible', deadLetterQueue), statistic: 'Maximum', comparisonOperator: 'GreaterThanThreshold', threshold: thresholds.deadLetters, evaluationPeriods: 1,
      });
    }

    const onAlb = { namespace: 'AWS/ApplicationELB', dimensions: { LoadBalancer: args.loadBalancer.arnSuffix }, period: 300, statistic: 'Sum' };
    alarm('alb-5xx', 'the load balancer answered 5xx (no healthy target, or a timeout)', {
      ...onAlb, metricName: 'HTTPCode_ELB_5XX_Count', comparisonOperator: 'GreaterThanThreshold', threshold: thresholds.serverErrorsPer5Minutes, evaluationPeriods: 1,
    });
    alarm('target-5xx', 'the services answered 5xx: a 5xx is a bug', {
      ...onAlb, metricName: 'HTTPCode_Target_5XX_Count', comparisonOperator: 'GreaterThanThreshold', threshold: thresholds.serverErrorsPer5Minutes, evaluationPeriods: 1,
    });
    for (const [workload, targetGroup] of Object.entries(args.targetGroups)) {
      alarm(`${workload}-unhealthy`, `${workload}: a target is failing its health check`, {
        namespace: 'AWS/ApplicationELB',
        metricName: 'UnHealthyHostCount',
        dimensions: { LoadBalancer: args.loadBalancer.arnSuffix, TargetGroup: targetGroup.arnSuffix },
        period: 60, statistic: 'Maximum', comparisonOperator: 'GreaterThanThreshold', threshold: 0, evaluationPeriods: 3,
      });
    }

    const ns = args.metricsNamespace;
    // Gauges written every minute, zeros included, by the workers: no data means no worker reports, and the worker is also
    // what sweeps orders past their deadline and relays the outbox. Silence pages too, or these alarms would go quiet
    // exactly when what they watch has stopped. Three minutes of five, so that a report that slips a minute does not page.
    const everyMinuteGauge = { period: 60, statistic: 'Maximum', evaluationPeriods: 5, datapointsToAlarm: 3, treatMissingData: 'breaching' } as const;
    const sagaAlarms = [
      alarm('orders-pending-past-deadline', "orders are PENDING past their deadline (Orders' worker should have cancelled them), or it stopped reporting", {
        ...sagaMetric(ns, sagaMetrics.ordersPendingPastDeadline, { Service: sagaService }),
        ...everyMinuteGauge, comparisonOperator: 'GreaterThanThreshold', threshold: thresholds.ordersPendingPastDeadline,
      }),
      alarm('orders-placed-to-confirmed-p99', `p99 from placed to CONFIRMED above ${args.placedToConfirmedP99Seconds} s for 10 minutes`, {
        ...sagaMetric(ns, sagaMetrics.placedToDecided, { Service: sagaService, Outcome: 'CONFIRMED' }),
        period: 300, evaluationPeriods: 2, extendedStatistic: 'p99',
        comparisonOperator: 'GreaterThanThreshold', threshold: args.placedToConfirmedP99Seconds * 1_000,
        // A p99 of fewer than 1,000 orders (always, at our traffic) is still the slowest orders': `ignore` would never page.
        evaluateLowSampleCountPercentiles: 'evaluate',
        // No data: no order was decided in those minutes (a quiet night), not a slow saga; one that decides nothing pages above.
        treatMissingData: 'notBreaching',
      }),
      ...serviceNames.map((service) =>
        alarm(`${service}-outbox-lag`, `${service}: an outbox event unpublished for over ${thresholds.outboxLagSeconds} s (relay stuck, SNS refusing), or its worker stopped reporting`, {
          ...sagaMetric(ns, sagaMetrics.outboxLag, { Service: service }),
          ...everyMinuteGauge, comparisonOperator: 'GreaterThanThreshold', threshold: thresholds.outboxLagSeconds,
        })),
    ];

    const firewallAlarm = alarm('waf-order-writes-blocked', `the WAF blocked over ${thresholds.blockedOrderWritesPer5Minutes} card or order writes in each 5 minutes for 15 minutes: card testing or order spam (infra/README.md, "The WAF")`, {
      ...firewallMetric(args, args.firewall.orderWrites),
      statistic: 'Sum', period: 300, evaluationPeriods: 3, datapointsToAlarm: 3,
      comparisonOperator: 'GreaterThanThreshold', threshold: thresholds.blockedOrderWritesPer5Minutes,
      // WAF reports a count only when it is not zero: no data is nothing blocked.
      treatMissingData: 'notBreaching',
    });

    this.dashboard = new aws.cloudwatch.Dashboard(`${name}-dashboard`, {
      dashboardName: args.namePrefix,
      dashboardBody: pulumi.jsonStringify({
        widgets: [
          queueWidget('Messages waiting', 'ApproximateNumberOfMessagesVisible', args.queues.map(({ queue }) => queue.name), args.region, 0),
          queueWidget('Age of the oldest message (s)', 'ApproximateAgeOfOldestMessage', args.queues.map(({ queue }) => queue.name), args.region, 6),
          queueWidget('Dead-lettered messages', 'ApproximateNumberOfMessagesVisible', args.queues.map(({ deadLetterQueue }) => deadLetterQueue.name), args.region, 12),
          albWidget('API latency (s)', [['TargetResponseTime', 'p50'], ['TargetResponseTime', 'p99']], args, 18),
          albWidget('Requests and errors', [['RequestCount', 'Sum'], ['HTTPCode_Target_4XX_Count', 'Sum'], ['HTTPCode_Target_5XX_Count', 'Sum'], ['HTTPCode_ELB_5XX_Count', 'Sum']], args, 24),
          ...sagaWidgets(args, sagaAlarms, 30),
          ...firewallWidget(args, firewallAlarm, 45),
        ],
      }),
    }, { ...parent, deleteBeforeReplace: true }); // PutDashboard overwrites one of the same name
    this.registerOutputs({});
  }
}

/**
 * The alarm topic's key: the account administers it (without that statement a key cannot be managed at all);
 * CloudWatch may use it to publish, but only for this stack's alarms in this account, against the confused deputy.
 */
function alarmKeyPolicy({ accountId, region, namePrefix }: MonitoringArgs): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'AccountAdministers', Effect: 'Allow', Principal: { AWS: pulumi.interpolate`arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'CloudWatchAlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:SourceAccount': accountId },
          ArnLike: { 'aws:SourceArn': pulumi.interpolate`arn:aws:cloudwatch:${region}:${accountId}:alarm:${namePrefix}-*` },
        },
      },
    ],
  });
}

function queueWidget(title: string, metricName: string, queueNames: pulumi.Output<string>[], region: pulumi.Input<string>, y: number) {
  return {
    type: 'metric', x: 0, y, width: 24, height: 6,
    properties: { title, region, stat: 'Maximum', period: 60, metrics: queueNames.map((queueName) => ['AWS/SQS', metricName, 'QueueName', queueName]) },
  };
}

function albWidget(title: string, series: [string, string][], { loadBalancer, region }: MonitoringArgs, y: number) {
  return {
    type: 'metric', x: 0, y, width: 24, height: 6,
    properties: { title, region, period: 60, metrics: series.map(([metricName, stat]) => ['AWS/ApplicationELB', metricName, 'LoadBalancer', loadBalancer.arnSuffix, { stat }]) },
  };
}

/** The requests the WAF blocked by one rule (`ALL`: by any) of this stack's web ACL, with the dimensions AWS/WAFV2 gives a regional web ACL. */
function firewallMetric({ firewall, region }: MonitoringArgs, rule: string) {
  return { namespace: 'AWS/WAFV2', metricName: 'BlockedRequests', dimensions: { WebACL: firewall.webAcl, Region: region, Rule: rule } };
}

/** The requests the WAF blocked, in all and per rule, per 5 minutes (the rate rules' window), and its alarm's threshold. */
function firewallWidget(args: MonitoringArgs, firewallAlarm: aws.cloudwatch.MetricAlarm, y: number) {
  const line = (rule: string, label: string) => {
    const { namespace, metricName, dimensions } = firewallMetric(args, rule);
    return [namespace, metricName, 'WebACL', dimensions.WebACL, 'Region', dimensions.Region, 'Rule', dimensions.Rule, { label }];
  };
  return [
    {
      type: 'metric', x: 0, y, width: 18, height: 6,
      properties: {
        title: 'Requests blocked by the WAF, per 5 minutes', region: args.region, stat: 'Sum', period: 300,
        metrics: [line('ALL', 'all rules'), ...args.firewall.rules.map((rule) => line(rule, rule))],
        annotations: { horizontal: [{ label: `${args.firewall.orderWrites} alarm`, value: thresholds.blockedOrderWritesPer5Minutes }] },
      },
    },
    { type: 'alarm', x: 18, y, width: 6, height: 6, properties: { title: 'WAF alarm', alarms: [firewallAlarm.arn] } },
  ];
}

/**
 * The saga's service levels, from the metrics the services write as EMF (the dimensions exactly theirs): placed to decided
 * per outcome, decisions per outcome and reason, orders pending too long, each service's outbox lag, and the state of
 * the alarms on them.
 */
function sagaWidgets({ metricsNamespace: ns, region, placedToConfirmedP99Seconds }: MonitoringArgs, alarms: aws.cloudwatch.MetricAlarm[], y: number) {
  const half = (x: number, row: number, title: string, properties: Record<string, unknown>) => ({
    type: 'metric', x, y: y + row * 6, width: 12, height: 6, properties: { title, region, period: 60, ...properties },
  });
  const line = <M extends SagaMetric>(metric: M, dimensions: Record<M['dimensions'][number], string>, options: Record<string, string>) => {
    const { namespace, metricName } = sagaMetric(ns, metric, dimensions);
    return [namespace, metricName, ...Object.entries(dimensions).flat(), options];
  };
  const decisions = sagaMetrics.ordersDecided;
  return [
    half(0, 0, 'Placed → decided (ms), p50 and p99 per outcome', {
      metrics: outcomes.flatMap((outcome) => ['p50', 'p99'].map((stat) =>
        line(sagaMetrics.placedToDecided, { Service: sagaService, Outcome: outcome }, { stat, label: `${outcome} ${stat}` }))),
      annotations: { horizontal: [{ label: 'CONFIRMED p99 alarm', value: placedToConfirmedP99Seconds * 1_000 }] },
    }),
    // Searched rather than listed: a new cancellation reason appears here without a change to the stack.
    half(12, 0, 'Orders decided, by outcome and reason', {
      metrics: [[{ id: 'decided', label: '', expression: `SEARCH('{${ns},${decisions.dimensions.join(',')}} MetricName="${decisions.name}"', 'Sum', 60)` }]],
    }),
    half(0, 1, 'Orders still pending', {
      stat: 'Maximum',
      metrics: [
        line(sagaMetrics.ordersPendingOver30s, { Service: sagaService }, { label: 'over 30 s' }),
        line(sagaMetrics.ordersPendingPastDeadline, { Service: sagaService }, { label: 'past their deadline' }),
      ],
    }),
    half(12, 1, 'Outbox lag (s), per service', {
      stat: 'Maximum',
      metrics: serviceNames.map((service) => line(sagaMetrics.outboxLag, { Service: service }, { label: service })),
      annotations: { horizontal: [{ label: 'alarm', value: thresholds.outboxLagSeconds }] },
    }),
    { type: 'alarm', x: 0, y: y + 12, width: 24, height: 3, properties: { title: 'Saga alarms', alarms: alarms.map(({ arn }) => arn) } },
  ];
}
