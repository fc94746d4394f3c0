import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { resolveTopology } from '@bookstore/events/topology';
import { metricsNamespacePrefix } from '@bookstore/kit/metrics';
import { serviceNames } from '@bookstore/kit/platform';
import { readImageTag, readSettings } from './config';
import { Databases } from './databases';
import { Firewall } from './firewall';
import { LoadBalancer } from './load-balancer';
import { Messaging } from './messaging';
import { Monitoring } from './monitoring';
import { Network } from './network';
import { pushedImage } from './registry';
import { SecurityGroups, workloads, type Workload } from './security';
import { Workloads, type ServiceSecret } from './workloads';

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
  const firewall = new Firewall(`${name}-waf`, { namePrefix: name, loadBalancer: loadBalancer.alb, limits: settings.waf });
  const generated = (id: string, description: string, length: number) => generatedSecret(`${name}-${id}`, description, length, settings.keepDataOnDelete);
  const adminToken = generated('admin-token', 'ADMIN_TOKEN of the admin API routes', 40);
  // Orders signs each order's access token with it (an HMAC of the order's id). Replacing it invalidates every order link
  // handed out so far: infra/README.md, "The order token key".
  const orderTokenKey = generated('order-token-key', "ORDER_TOKEN_KEY: Orders' key for the access tokens of order links", 64);
  // Which secret reaches which services' API and worker processes, as which variable: the containers' `secrets`, the
  // execution roles' grants and the services' waits all follow from this list.
  const serviceSecrets: ServiceSecret[] = [
    { name: 'ADMIN_TOKEN', ...adminToken, services: serviceNames },
    { name: 'ORDER_TOKEN_KEY', ...orderTokenKey, services: ['orders'] },
  ];

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
    serviceSecrets,
    metricsNamespace,
    // No service takes traffic before the WAF stands in front of the load balancer.
    dependsOn: [loadBalancer, firewall],
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
    firewall: firewall.metrics,
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
    adminTokenSecretArn: adminToken.secret.arn,
    orderTokenKeySecretArn: orderTokenKey.secret.arn,
  };
}

/**
 * A random value (letters and digits) kept in Secrets Manager, for ECS to inject into the containers that name it. The
 * value lives in the stack's state too, encrypted like every Pulumi secret.
 */
function generatedSecret(name: string, description: string, length: number, keepDataOnDelete: boolean) {
  const password = new random.RandomPassword(name, { length, special: false });
  const secret = new aws.secretsmanager.Secret(name, { namePrefix: `${name}-`, description, recoveryWindowInDays: keepDataOnDelete ? 30 : 0 });
  const value = new aws.secretsmanager.SecretVersion(name, { secretId: secret.id, secretString: password.result });
  return { secret, value };
}
