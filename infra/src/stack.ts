import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { resolveTopology } from '@bookstore/events/topology';
import { serviceNames } from '@bookstore/kit/platform';
import { readSettings } from './config';
import { Databases } from './databases';
import { LoadBalancer } from './load-balancer';
import { Messaging } from './messaging';
import { Monitoring } from './monitoring';
import { Network } from './network';
import { Registry } from './registry';
import { SecurityGroups, type Workload } from './security';
import { Workloads } from './workloads';

/** The whole bookstore on AWS, for the stack selected by `pulumi up --stack <name>`. */
export function bookstore() {
  const settings = readSettings();
  const name = settings.namePrefix;
  const region = aws.getRegionOutput().name;

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
  const workloadNames: Workload[] = [...serviceNames, 'frontend'];
  const registry = new Registry(name, { images: workloadNames, prefix: name, keepOnDelete: settings.deletionProtection });

  const adminToken = new random.RandomPassword(`${name}-admin-token`, { length: 40, special: false });
  const adminTokenSecret = new aws.secretsmanager.Secret(`${name}-admin-token`, {
    name: `${name}/admin-token`,
    description: 'ADMIN_TOKEN of the admin API routes',
    recoveryWindowInDays: settings.deletionProtection ? 30 : 0,
  });
  new aws.secretsmanager.SecretVersion(`${name}-admin-token`, { secretId: adminTokenSecret.id, secretString: adminToken.result });

  new Workloads(name, {
    settings,
    region,
    subnetIds: privateSubnetIds,
    securityGroups: securityGroups.tasks,
    targetGroups: loadBalancer.targetGroups,
    images: Object.fromEntries(workloadNames.map((workload) => [workload, pulumi.interpolate`${registry.repositories[workload]!.repositoryUrl}:${settings.imageTag}`])) as Record<Workload, pulumi.Output<string>>,
    topics: messaging.topics,
    queues: messaging.queues,
    databaseUrlSecrets: databases.urlSecrets,
    adminTokenSecret,
    dependsOn: [loadBalancer],
  });
  const monitoring = new Monitoring(name, {
    namePrefix: name,
    region,
    queues: Object.values(messaging.queues),
    loadBalancer: loadBalancer.alb,
    targetGroups: loadBalancer.targetGroups,
    alarmEmail: settings.alarmEmail,
  });

  return {
    albUrl: loadBalancer.url,
    ecrRepositoryUrls: Object.fromEntries(workloadNames.map((workload) => [workload, registry.repositories[workload]!.repositoryUrl])),
    queueUrls: Object.fromEntries(Object.values(messaging.queues).flatMap(({ spec, queue, deadLetterQueue }) => [[spec.name, queue.url], [spec.deadLetterQueueName, deadLetterQueue.url]])),
    dashboardUrl: pulumi.interpolate`https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${monitoring.dashboard.dashboardName}`,
    alarmTopicArn: monitoring.alarmTopic.arn,
    adminTokenSecretArn: adminTokenSecret.arn,
  };
}
