import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { resolveTopology } from '@bookstore/events/topology';
import { metricsNamespacePrefix } from '@bookstore/kit/metrics';
import { readImageTag, readSettings } from './config';
import { Databases } from './databases';
import { LoadBalancer } from './load-balancer';
import { Messaging } from './messaging';
import { Monitoring } from './monitoring';
import { Network } from './network';
import { pushedImage } from './registry';
import { SecurityGroups, workloads, type Workload } from './security';
import { Workloads } from './workloads';

/** The whole bookstore on AWS, for the stack selected by `pulumi up --stack <name>`. */
export function bookstore() {
  const settings = readSettings();
  const imageTag = readImageTag();
  const name = settings.namePrefix;
  const region = aws.getRegionOutput().region;
  const accountId = aws.getCallerIdentityOutput().accountId;
  // The services write their saga metrics here (METRICS_NAMESPACE), and the alarms and the dashboard read them from here.
  const metricsNamespace = `${metricsNamespacePrefix}/${name}`;

  const network = new Network(name, { cidr: settings.vpcCidr, availabilityZones: settings.availabilityZones, natGatewayPerZone: settings.natGatewayPerZone });
  const securityGroups = new SecurityGroups(name, { vpcId: network.vpc.id, vpcCidr: settings.vpcCidr });
  const privateSubnetIds = network.privateSubnets.map(({ id }) => id);
  const messaging = new Messaging(name, resolveTopology(`${name}-`));
  const databases = new Databases(`${name}-db`, { settings, subnetIds: privateSubnetIds, taskSecurityGroups: securityGroups.tasks, vpcId: network.vpc.id });
  const loadBalancer = new LoadBalancer(name, {
    vpcId: network.vpc.id,
    subnetIds: network.publicSubnets.map(({ id }) => id),
    securityGroupId: securityGroups.loadBalancer.id,
    certificateArn: settings.certificateArn,
  });
  const adminToken = new random.RandomPassword(`${name}-admin-token`, { length: 40, special: false });
  const adminTokenSecret = new aws.secretsmanager.Secret(`${name}-admin-token`, {
    namePrefix: `${name}-admin-token-`,
    description: 'ADMIN_TOKEN of the admin API routes',
    recoveryWindowInDays: settings.keepDataOnDelete ? 30 : 0,
  });
  const adminTokenValue = new aws.secretsmanager.SecretVersion(`${name}-admin-token`, { secretId: adminTokenSecret.id, secretString: adminToken.result });

  const workloadsOnEcs = new Workloads(name, {
    settings,
    region,
    subnetIds: privateSubnetIds,
    securityGroups: securityGroups.tasks,
    targetGroups: loadBalancer.targetGroups,
    images: Object.fromEntries(workloads.map((workload) => [workload, pushedImage(name, workload, imageTag)])) as Record<Workload, pulumi.Output<string>>,
    topics: messaging.topics,
    queues: messaging.queues,
    databases: databases.forService,
    adminToken: { secret: adminTokenSecret, value: adminTokenValue },
    metricsNamespace,
    dependsOn: [loadBalancer],
  });
  const monitoring = new Monitoring(name, {
    namePrefix: name,
    region,
    accountId,
    queues: Object.values(messaging.queues),
    loadBalancer: loadBalancer.alb,
    targetGroups: loadBalancer.targetGroups,
    alarmEmail: settings.alarmEmail,
    metricsNamespace,
    placedToConfirmedP99Seconds: settings.placedToConfirmedP99Seconds,
  });

  return {
    albUrl: loadBalancer.url,
    imageTag,
    // What scripts/deploy checks after `pulumi up`: ECS reports a rolled-back deployment as steady too.
    rollout: {
      cluster: workloadsOnEcs.cluster.name,
      taskDefinitions: pulumi.all(Object.values(workloadsOnEcs.services).map((service) => pulumi.all([service.name, service.taskDefinition]))).apply(Object.fromEntries),
    },
    queueUrls: Object.fromEntries(Object.values(messaging.queues).flatMap(({ spec, queue, deadLetterQueue }) => [[spec.name, queue.url], [spec.deadLetterQueueName, deadLetterQueue.url]])),
    dashboardUrl: pulumi.interpolate`https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${monitoring.dashboard.dashboardName}`,
    alarmTopicArn: monitoring.alarmTopic.arn,
    adminTokenSecretArn: adminTokenSecret.arn,
  };
}
