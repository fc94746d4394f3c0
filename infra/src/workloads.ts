import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { healthPaths, serviceNames, type ServiceName } from '@bookstore/kit/platform';
import type { StackSettings } from './config';
import type { ServiceDatabase } from './databases';
import type { QueueResources } from './messaging';
import { workloadPort, type Workload } from './security';

export interface WorkloadsArgs {
  settings: StackSettings;
  region: pulumi.Input<string>;
  subnetIds: pulumi.Input<string>[];
  securityGroups: Record<Workload, aws.ec2.SecurityGroup>;
  targetGroups: Record<Workload, aws.lb.TargetGroup>;
  images: Record<Workload, pulumi.Input<string>>;
  topics: Record<ServiceName, aws.sns.Topic>;
  queues: Record<ServiceName, QueueResources>;
  databases: Record<ServiceName, ServiceDatabase>;
  /** The secrets, beyond its database's, that services' API and worker processes get; each only in the services it names. */
  serviceSecrets: ServiceSecret[];
  /** Where the services write their saga metrics (EMF), and the alarms read them: `Bookstore/<name prefix>`. */
  metricsNamespace: string;
  /** Created before the services: the listener their target groups need, and the WAF in front of it. */
  dependsOn: pulumi.Resource[];
}

/** A secret a container gets as the environment variable `name` (ECS reads it at the task's start), and its value. */
export interface ServiceSecret {
  name: string;
  secret: aws.secretsmanager.Secret;
  value: aws.secretsmanager.SecretVersion;
  services: readonly ServiceName[];
}

const ecsTasksTrust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/**
 * How long `pulumi up` waits for a service to reach a steady state. A first deploy waits for the migrate step,
 * the API's start and two passing ALB health checks; a rolling deploy doubles the tasks first.
 */
const steadyStateTimeout = '30m';

/** What the pipelines build (linux/amd64), said explicitly: an image built for another architecture fails to start. */
const runtimePlatform = { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' };

/**
 * Fargate sizes (each a valid Fargate combination); the services are small Node processes. A service's task has 1 GB
 * rather than 0.5: the collector beside it may take up to its 128 MiB, and the service keeps more than it had alone.
 */
const serviceTaskSize = { cpu: '256', memory: '1024' };
const frontendTaskSize = { cpu: '256', memory: '512' };

/**
 * The AWS Distro for OpenTelemetry collector beside every API and worker, which receives the service's spans over OTLP
 * and sends them to X-Ray. A release tag, never `latest`: a tag that moves would change every task at its next start.
 */
export const collector = {
  name: 'otel-collector',
  image: 'public.ecr.aws/aws-observability/aws-otel-collector:v0.50.0',
  /**
   * The image's own ECS config for traces only: OTLP in (gRPC 4317, HTTP 4318), the ECS resource detector (cluster and
   * task on every segment), X-Ray out, which needs only xray:PutTraceSegments. Not ecs-default-config.yaml: it also
   * listens for StatsD and X-Ray UDP and ships OTLP metrics as EMF to a log group of its own, none of which the services
   * send (their EMF goes to stdout), and which would need CloudWatch Logs rights on the task role.
   */
  config: '/etc/ecs/ecs-xray.yaml',
  otlpHttpPort: 4318,
  cpu: 64,
  memoryMiB: 128,
};
/**
 * ECS sends SIGTERM, then SIGKILL after this. A graceful stop cancels the long poll and waits for the handlers and
 * requests in flight (about a second); the rest is margin for a slow database.
 */
const stopTimeoutSeconds = 30;
/** Messages waiting per worker task before the workers scale out. */
const backlogPerTask = 100;

/**
 * The ECS cluster and what runs on it: per service an API (behind the ALB) and a worker (consumer, outbox
 * relay, periodic jobs) from the same image, each after a `migrate` step, and the frontend. Each service's
 * task role may publish only to its own topic and receive only from its own queue; its execution role may
 * read only its own secrets.
 */
export class Workloads extends pulumi.ComponentResource {
  readonly cluster: aws.ecs.Cluster;
  readonly services: Record<string, aws.ecs.Service> = {};
  readonly taskRoles = {} as Record<ServiceName, aws.iam.Role>;
  readonly executionRoles = {} as Record<Workload, aws.iam.Role>;

  constructor(name: string, private readonly args: WorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bookstore:compute:Workloads', name, {}, opts);
    this.cluster = new aws.ecs.Cluster(name, { settings: [{ name: 'containerInsights', value: 'enabled' }] }, { parent: this });
    for (const service of serviceNames) this.deployService(name, service);
    this.deployFrontend(name);
    this.registerOutputs({});
  }

  private deployService(name: string, service: ServiceName): void {
    const { settings, queues, topics } = this.args;
    const parent = { parent: this };
    const own = queues[service];
    const database = this.args.databases[service];
    const ownSecrets = this.args.serviceSecrets.filter(({ services }) => services.includes(service));
    // What each container reads from Secrets Manager. Only the migrate step gets the master user's URL: it creates the
    // service's role and database.
    const secrets = {
      migrate: [{ name: 'DATABASE_URL', secret: database.url }, { name: 'DATABASE_ADMIN_URL', secret: database.adminUrl }],
      process: [{ name: 'DATABASE_URL', secret: database.url }, ...ownSecrets],
    };
    // The execution role reads exactly those secrets, no other.
    const execution = this.executionRole(name, service, [...new Set([...secrets.migrate, ...secrets.process].map(({ secret }) => secret))].map(({ arn }) => arn));
    const taskRole = new aws.iam.Role(`${name}-${service}-task`, { assumeRolePolicy: ecsTasksTrust }, parent);
    const taskPolicy = new aws.iam.RolePolicy(`${name}-${service}-task`, {
      role: taskRole.id,
      policy: pulumi.jsonStringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'PublishOwnEvents', Effect: 'Allow', Action: 'sns:Publish', Resource: topics[service].arn },
          // The publisher finds its topic's ARN by name; listing topics reveals no messages.
          { Sid: 'FindTopics', Effect: 'Allow', Action: 'sns:ListTopics', Resource: '*' },
          {
            Sid: 'ConsumeOwnQueue',
            Effect: 'Allow',
            Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
            Resource: own.queue.arn,
          },
          // Poison messages are moved to the dead-letter queue at once, with the reason attached.
          { Sid: 'DeadLetterOwnMessages', Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:GetQueueUrl'], Resource: own.deadLetterQueue.arn },
          // The collector's X-Ray exporter makes this one call (telemetry records and sampling rules are off in its config).
          // X-Ray has no resource-level permissions: `*` is the only resource it accepts.
          { Sid: 'WriteTraces', Effect: 'Allow', Action: 'xray:PutTraceSegments', Resource: '*' },
        ],
      }),
    }, parent);
    this.taskRoles[service] = taskRole;

    const logGroup = this.logGroup(name, service);
    const port = workloadPort(service);
    const container = (role: 'migrate' | 'api' | 'worker') => ({
      name: role,
      image: this.args.images[service],
      essential: role !== 'migrate',
      command: [role],
      // The image runs compiled JavaScript and writes nothing to disk (scripts/containers/rehearse.sh runs it --read-only).
      readonlyRootFilesystem: true,
      environment: [
        { name: 'AWS_REGION', value: this.args.region },
        { name: 'TOPOLOGY_PREFIX', value: `${settings.namePrefix}-` },
        { name: 'PORT', value: String(port) },
        { name: 'LOG_LEVEL', value: 'info' },
        { name: 'DATABASE_POOL_SIZE', value: String(database.poolSize) },
        // `migrate` neither traces nor reports metrics: only the long-running processes get these.
        ...(role === 'migrate' ? [] : telemetryEnvironment(`${service}-${role}`, this.args.metricsNamespace)),
      ],
      secrets: secrets[role === 'migrate' ? 'migrate' : 'process'].map((entry) => ({ name: entry.name, valueFrom: entry.secret.arn })),
      logConfiguration: awslogs(logGroup, this.args.region, role),
      ...(role === 'migrate'
        ? {}
        : {
            // After the collector has started, so ECS stops it only after the service (shutdown reverses the order), and the
            // spans the service flushes as it stops still reach X-Ray.
            dependsOn: [{ containerName: 'migrate', condition: 'SUCCESS' }, { containerName: collector.name, condition: 'START' }],
            stopTimeout: stopTimeoutSeconds,
          }),
      ...(role === 'api' ? { portMappings: [{ containerPort: port, protocol: 'tcp' }] } : {}),
      // Liveness from inside the task, for the API and the worker (which serves its health on the same port): a
      // process that hangs is replaced. /healthz, not /readyz: a worker waiting for SNS/SQS or the database is alive.
      ...(role === 'migrate'
        ? {}
        : {
            healthCheck: {
              command: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${port}${healthPaths.live}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
              interval: 15,
              timeout: 5,
              retries: 3,
              startPeriod: 30,
            },
          }),
    });

    for (const role of ['api', 'worker'] as const) {
      const taskDefinition = new aws.ecs.TaskDefinition(`${name}-${service}-${role}`, {
        family: `${settings.namePrefix}-${service}-${role}`,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        ...serviceTaskSize,
        runtimePlatform,
        executionRoleArn: execution.role.arn,
        taskRoleArn: taskRole.arn,
        containerDefinitions: pulumi.jsonStringify([container('migrate'), container(role), collectorContainer(logGroup, this.args.region)]),
      }, parent);
      // A task started before its secrets have values, or before its roles may read them, fails, and the circuit breaker stops the rollout.
      const startsAfter = [...database.values, ...ownSecrets.map(({ value }) => value), ...execution.grants, taskPolicy];
      const ecsService = this.ecsService(`${name}-${service}-${role}`, service, taskDefinition, startsAfter, role === 'api' ? { containerName: 'api', port } : undefined);
      if (role === 'api') this.scaleOnCpu(`${name}-${service}-${role}`, ecsService, settings.apiTasks);
      else this.scaleOnBacklog(`${name}-${service}-${role}`, ecsService, own.queue, settings.workerTasks);
    }
  }

  private deployFrontend(name: string): void {
    const port = workloadPort('frontend');
    const execution = this.executionRole(name, 'frontend', []);
    const logGroup = this.logGroup(name, 'frontend');
    const taskDefinition = new aws.ecs.TaskDefinition(`${name}-frontend`, {
      family: `${this.args.settings.namePrefix}-frontend`,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      ...frontendTaskSize,
      runtimePlatform,
      executionRoleArn: execution.role.arn,
      containerDefinitions: pulumi.jsonStringify([{
        name: 'web',
        image: this.args.images.frontend,
        essential: true,
        portMappings: [{ containerPort: port, protocol: 'tcp' }],
        logConfiguration: awslogs(logGroup, this.args.region, 'web'),
      }]),
    }, { parent: this });
    const frontendService = this.ecsService(`${name}-frontend`, 'frontend', taskDefinition, execution.grants, { containerName: 'web', port });
    this.scaleOnCpu(`${name}-frontend`, frontendService, this.args.settings.apiTasks);
  }

  /** The role ECS uses to pull the image, write logs and read exactly the secrets listed; and its grants, which tasks must wait for. */
  private executionRole(name: string, workload: Workload, secretArns: pulumi.Input<string>[]): { role: aws.iam.Role; grants: pulumi.Resource[] } {
    const parent = { parent: this };
    const role = new aws.iam.Role(`${name}-${workload}-execution`, { assumeRolePolicy: ecsTasksTrust }, parent);
    const grants: pulumi.Resource[] = [new aws.iam.RolePolicyAttachment(`${name}-${workload}-execution`, {
      role: role.name,
      policyArn: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
    }, parent)];
    if (secretArns.length > 0) {
      grants.push(new aws.iam.RolePolicy(`${name}-${workload}-secrets`, {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [{ Sid: 'ReadOwnSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secretArns }],
        }),
      }, parent));
    }
    this.executionRoles[workload] = role;
    return { role, grants };
  }

  private logGroup(name: string, workload: Workload): aws.cloudwatch.LogGroup {
    return new aws.cloudwatch.LogGroup(`${name}-${workload}`, {
      name: `/${this.args.settings.namePrefix}/${workload}`,
      retentionInDays: this.args.settings.logRetentionDays,
    }, { parent: this, deleteBeforeReplace: true });
  }

  private ecsService(name: string, workload: Workload, taskDefinition: aws.ecs.TaskDefinition, startsAfter: pulumi.Resource[], exposed?: { containerName: string; port: number }): aws.ecs.Service {
    const service = new aws.ecs.Service(name, {
      cluster: this.cluster.arn,
      taskDefinition: taskDefinition.arn,
      launchType: 'FARGATE',
      desiredCount: exposed ? this.args.settings.apiTasks.min : this.args.settings.workerTasks.min,
      networkConfiguration: { subnets: this.args.subnetIds, securityGroups: [this.args.securityGroups[workload].id], assignPublicIp: false },
      deploymentCircuitBreaker: { enable: true, rollback: true },
      // `pulumi up` fails unless the tasks run and pass their health checks, instead of reporting success over an empty service.
      waitForSteadyState: true,
      // A changed `redeployment` setting starts a new deployment of the same task definition: the way to retry after a failure.
      forceNewDeployment: true,
      triggers: { redeployment: this.args.settings.redeployment },
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      propagateTags: 'SERVICE',
      ...(exposed
        ? {
            loadBalancers: [{ targetGroupArn: this.args.targetGroups[workload].arn, containerName: exposed.containerName, containerPort: exposed.port }],
            healthCheckGracePeriodSeconds: 60,
          }
        : {}),
    }, { parent: this, dependsOn: [...this.args.dependsOn, ...startsAfter], ignoreChanges: ['desiredCount'], customTimeouts: { create: steadyStateTimeout, update: steadyStateTimeout } });
    this.services[name] = service;
    return service;
  }

  private scalableTarget(name: string, service: aws.ecs.Service, { min, max }: { min: number; max: number }): aws.appautoscaling.Target {
    return new aws.appautoscaling.Target(name, {
      serviceNamespace: 'ecs',
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: pulumi.interpolate`service/${this.cluster.name}/${service.name}`,
      minCapacity: min,
      maxCapacity: max,
    }, { parent: this });
  }

  private scaleOnCpu(name: string, service: aws.ecs.Service, capacity: { min: number; max: number }): void {
    const target = this.scalableTarget(name, service, capacity);
    new aws.appautoscaling.Policy(`${name}-cpu`, {
      policyType: 'TargetTrackingScaling',
      serviceNamespace: target.serviceNamespace,
      scalableDimension: target.scalableDimension,
      resourceId: target.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        predefinedMetricSpecification: { predefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        targetValue: 60,
        scaleInCooldown: 120,
        scaleOutCooldown: 60,
      },
    }, { parent: this });
  }

  /** Keeps the messages waiting per worker task near `backlogPerTask`, as AWS recommends for queue workers. */
  private scaleOnBacklog(name: string, service: aws.ecs.Service, queue: aws.sqs.Queue, capacity: { min: number; max: number }): void {
    const target = this.scalableTarget(name, service, capacity);
    new aws.appautoscaling.Policy(`${name}-backlog`, {
      policyType: 'TargetTrackingScaling',
      serviceNamespace: target.serviceNamespace,
      scalableDimension: target.scalableDimension,
      resourceId: target.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: backlogPerTask,
        scaleInCooldown: 120,
        scaleOutCooldown: 60,
        customizedMetricSpecification: {
          metrics: [
            {
              id: 'visible',
              returnData: false,
              metricStat: { stat: 'Sum', metric: { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: [{ name: 'QueueName', value: queue.name }] } },
            },
            {
              id: 'tasks',
              returnData: false,
              metricStat: {
                stat: 'Average',
                metric: { namespace: 'ECS/ContainerInsights', metricName: 'RunningTaskCount', dimensions: [{ name: 'ClusterName', value: this.cluster.name }, { name: 'ServiceName', value: service.name }] },
              },
            },
            { id: 'backlogPerTask', expression: 'visible / IF(tasks > 0, tasks, 1)', label: 'messages per task', returnData: true },
          ],
        },
      },
    }, { parent: this });
  }
}

function awslogs(logGroup: aws.cloudwatch.LogGroup, region: pulumi.Input<string>, streamPrefix: string) {
  return { logDriver: 'awslogs', options: { 'awslogs-group': logGroup.name, 'awslogs-region': region, 'awslogs-stream-prefix': streamPrefix } };
}

/**
 * What makes a service process export its spans to the collector beside it and write its saga metrics. 127.0.0.1 rather
 * than `localhost`: the collector listens on IPv4, and the address cannot resolve to ::1 first (the health check's choice too).
 */
function telemetryEnvironment(serviceName: string, metricsNamespace: string) {
  return [
    // awsvpc: the containers of a task share one network namespace, so the collector is on the task's own loopback.
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: `http://127.0.0.1:${collector.otlpHttpPort}` },
    { name: 'OTEL_SERVICE_NAME', value: serviceName },
    { name: 'METRICS_NAMESPACE', value: metricsNamespace },
  ];
}

/**
 * The collector's container. Not essential, unlike in AWS's examples: traces are for diagnosis, and a collector that
 * crashes (out of memory in a burst of spans, say) must not stop the API or the worker with it, as an essential
 * container's exit stops its task. ECS restarts it in place instead; meanwhile the service's spans are dropped.
 */
function collectorContainer(logGroup: aws.cloudwatch.LogGroup, region: pulumi.Input<string>) {
  return {
    name: collector.name,
    image: collector.image,
    essential: false,
    restartPolicy: { enabled: true, restartAttemptPeriod: 60 },
    command: [`--config=${collector.config}`],
    // A hard memory limit, so that a collector that grows is killed and restarted rather than squeezing the service.
    cpu: collector.cpu,
    memory: collector.memoryMiB,
    // It keeps nothing on disk: no file storage in its config, logs to stdout.
    readonlyRootFilesystem: true,
    environment: [
      // The X-Ray exporter's region: Fargate has no instance metadata to take it from.
      { name: 'AWS_REGION', value: region },
      // Go's garbage collector works harder as the heap nears this, short of the hard limit.
      { name: 'GOMEMLIMIT', value: `${Math.floor(collector.memoryMiB * 0.8)}MiB` },
    ],
    // Served to the task's own containers; the task's security group admits only the ALB, on the service's port.
    portMappings: [{ containerPort: collector.otlpHttpPort, protocol: 'tcp' }],
    logConfiguration: awslogs(logGroup, region, collector.name),
  };
}
