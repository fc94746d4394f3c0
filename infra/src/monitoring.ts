import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
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
}

/** What pages on-call: a backlog growing, messages getting old, anything dead-lettered, 5xx, unhealthy targets. */
export const thresholds = {
  visibleMessages: 1_000,
  oldestMessageSeconds: 300,
  deadLetters: 0,
  serverErrorsPer5Minutes: 10,
};

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
    const alarm = (id: string, description: string, metric: Omit<aws.cloudwatch.MetricAlarmArgs, 'alarmActions' | 'okActions' | 'alarmDescription'>) =>
      this.alarms.push(new aws.cloudwatch.MetricAlarm(`${name}-${id}`, {
        // Named, so that the alarm key's policy can admit exactly this stack's alarms (`<prefix>-*`).
        name: `${args.namePrefix}-${id}`,
        alarmDescription: description,
        alarmActions: [this.alarmTopic.arn],
        okActions: [this.alarmTopic.arn],
        treatMissingData: 'notBreaching',
        ...metric,
      // PutMetricAlarm overwrites an alarm of the same name: a replacement created before the old one is deleted would be deleted with it.
      }, { ...parent, deleteBeforeReplace: true }));

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

    this.dashboard = new aws.cloudwatch.Dashboard(`${name}-dashboard`, {
      dashboardName: args.namePrefix,
      dashboardBody: pulumi.jsonStringify({
        widgets: [
          queueWidget('Messages waiting', 'ApproximateNumberOfMessagesVisible', args.queues.map(({ queue }) => queue.name), args.region, 0),
          queueWidget('Age of the oldest message (s)', 'ApproximateAgeOfOldestMessage', args.queues.map(({ queue }) => queue.name), args.region, 6),
          queueWidget('Dead-lettered messages', 'ApproximateNumberOfMessagesVisible', args.queues.map(({ deadLetterQueue }) => deadLetterQueue.name), args.region, 12),
          albWidget('API latency (s)', [['TargetResponseTime', 'p50'], ['TargetResponseTime', 'p99']], args, 18),
          albWidget('Requests and errors', [['RequestCount', 'Sum'], ['HTTPCode_Target_4XX_Count', 'Sum'], ['HTTPCode_Target_5XX_Count', 'Sum'], ['HTTPCode_ELB_5XX_Count', 'Sum']], args, 24),
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
