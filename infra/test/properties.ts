import { resolveTopology } from '@bookstore/events/topology';
import { metricsNamespacePrefix, sagaMetrics } from '@bookstore/kit/metrics';
import { frontend, routes, serviceNames, services } from '@bookstore/kit/platform';
import { maxConnections } from '../src/connections';
import { rdsCaBundlePath } from '../src/databases';
import { managedRuleGroups, orderWrites, oversizeBody, rateLimitedResponse } from '../src/firewall';
import { collector } from '../src/workloads';
import { byId, ofType, pushedTag, synthesize, waitsFor, type Declared } from './harness';

type Synthesized = Awaited<ReturnType<typeof synthesize>>;

const arnOf = (resource: Declared) => resource.state.arn as string;
const named = (declared: Declared[], type: string, name: string) => {
  const found = ofType(declared, type).find((resource) => resource.inputs.name === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return found;
};
const policyOf = (resource: Declared) => JSON.parse(resource.inputs.policy) as { Statement: { Sid?: string; Action: string | string[]; Resource: string | string[]; Condition?: any }[] };
const secretNamed = (declared: Declared[], namePrefix: string) => {
  const found = ofType(declared, 'aws:secretsmanager/secret:Secret').find((secret) => secret.inputs.namePrefix === namePrefix);
  if (!found) throw new Error(`no secret named ${namePrefix}...`);
  return found;
};
/** A secret input's value; Pulumi keeps it encrypted in the state (the mocks show it wrapped, with its signature). */
const unwrapSecret = (input: any): string => {
  if (typeof input?.value !== 'string' || Object.keys(input).length !== 2) throw new Error(`not a Pulumi secret: ${JSON.stringify(input)}`);
  return input.value;
};
const secretValue = (declared: Declared[], secret: Declared) =>
  unwrapSecret(ofType(declared, 'aws:secretsmanager/secretVersion:SecretVersion').find(({ inputs }) => inputs.secretId === secret.id)!.inputs.secretString);
const list = <T>(value: T | T[]) => (Array.isArray(value) ? value : [value]);
const containersOf = (definition: Declared): any[] => JSON.parse(definition.inputs.containerDefinitions);
/** The service's own long-running process in an API or worker task: not `migrate`, not the collector. */
const serviceProcess = (definition: Declared) => containersOf(definition).find(({ name }) => name === 'api' || name === 'worker');
const environmentOf = (container: any): Record<string, string> => Object.fromEntries((container.environment ?? []).map(({ name, value }: any) => [name, value]));

/** Fargate's task sizes, CPU units to MiB (AWS: "Troubleshoot Amazon ECS task definition invalid CPU or memory errors"). */
const gigabytes = (from: number, to: number, step = 1) => Array.from({ length: (to - from) / step + 1 }, (_, index) => (from + index * step) * 1024);
const fargateMemory: Record<string, number[]> = {
  256: [512, 1024, 2048],
  512: gigabytes(1, 4),
  1024: gigabytes(2, 8),
  2048: gigabytes(4, 16),
  4096: gigabytes(8, 30),
  8192: gigabytes(16, 60, 4),
  16384: gigabytes(32, 120, 8),
};

/** A metric of a dashboard widget, `[namespace, name, dimension, value, ..., options?]`, as the alarm would name it. */
function chartedMetric(line: unknown[]) {
  const [namespace, metricName, ...rest] = line as string[];
  const pairs = rest.filter((item) => typeof item === 'string');
  const dimensions = Object.fromEntries(pairs.flatMap((item, index) => (index % 2 === 0 ? [[item, pairs[index + 1]]] : [])));
  return { namespace, metricName, dimensions };
}

/** The properties every stack must have; a change that breaks one turns these red. */
export function describeStack(stack: 'dev' | 'prod', extra: (get: () => Synthesized) => void) {
  describe(`the ${stack} stack`, () => {
    let synthesized: Synthesized;
    const get = () => synthesized;
    const prefix = `bookstore-${stack}-`;
    const topology = resolveTopology(prefix);

    beforeAll(async () => {
      synthesized = await synthesize(stack);
    });

    describe('nothing in the private tier is reachable from the internet', () => {
      const subnets = (tier: string) => ofType(get().declared, 'aws:ec2/subnet:Subnet').filter((subnet) => subnet.inputs.tags?.tier === tier);

      it('puts tasks in private subnets without public addresses', () => {
        const privateIds = subnets('private').map(({ id }) => id);
        const ecsServices = ofType(get().declared, 'aws:ecs/service:Service');
        expect(ecsServices).toHaveLength(serviceNames.length * 2 + 1);
        for (const service of ecsServices) {
          expect(service.inputs.networkConfiguration.assignPublicIp).toBe(false);
          expect(privateIds).toEqual(expect.arrayContaining(service.inputs.networkConfiguration.subnets));
        }
      });

      it('routes the private subnets to the internet only through NAT', () => {
        const associations = ofType(get().declared, 'aws:ec2/routeTableAssociation:RouteTableAssociation');
        for (const subnet of subnets('private')) {
          expect(subnet.inputs.mapPublicIpOnLaunch).toBe(false);
          const association = associations.find(({ inputs }) => inputs.subnetId === subnet.id)!;
          const routes = byId(get().declared, association.inputs.routeTableId).inputs.routes;
          expect(routes.every((route: any) => route.natGatewayId && !route.gatewayId)).toBe(true);
        }
      });

      it('keeps databases private and encrypted, in private subnets, open only to their own service', () => {
        const privateIds = subnets('private').map(({ id }) => id);
        for (const group of ofType(get().declared, 'aws:rds/subnetGroup:SubnetGroup')) expect(privateIds).toEqual(expect.arrayContaining(group.inputs.subnetIds));
        const instances = ofType(get().declared, 'aws:rds/instance:Instance');
        expect(instances.length).toBeGreaterThan(0);
        for (const instance of instances) {
          expect(instance.inputs).toMatchObject({ publiclyAccessible: false, storageEncrypted: true, engine: 'postgres' });
          for (const groupId of instance.inputs.vpcSecurityGroupIds) {
            for (const rule of byId(get().declared, groupId).inputs.ingress) {
              expect(rule).toMatchObject({ fromPort: 5432, toPort: 5432 });
              expect(rule.cidrBlocks ?? []).toEqual([]);
              for (const source of rule.securityGroups) expect(byId(get().declared, source).name).toMatch(new RegExp(`-(${serviceNames.join('|')})$`));
            }
          }
        }
      });

      it('opens only the load balancer to the internet, and only on 80 and 443', () => {
        for (const group of ofType(get().declared, 'aws:ec2/securityGroup:SecurityGroup')) {
          for (const rule of group.inputs.ingress ?? []) {
            if ((rule.cidrBlocks ?? []).includes('0.0.0.0/0')) {
              expect(group.name).toBe(`bookstore-${stack}-alb`);
              expect([80, 443]).toContain(rule.fromPort);
              expect(rule.toPort).toBe(rule.fromPort);
            }
          }
        }
      });

      it('lets each task accept only the load balancer, on its own port', () => {
        const groups = ofType(get().declared, 'aws:ec2/securityGroup:SecurityGroup');
        const albGroup = groups.find(({ name }) => name === `bookstore-${stack}-alb`)!;
        for (const workload of [...serviceNames, 'frontend'] as const) {
          const port = workload === 'frontend' ? frontend.port : services[workload].port;
          const group = groups.find(({ name }) => name === `bookstore-${stack}-${workload}`)!;
          expect(group.inputs.ingress).toEqual([expect.objectContaining({ protocol: 'tcp', fromPort: port, toPort: port, securityGroups: [albGroup.id] })]);
          expect(group.inputs.ingress[0].cidrBlocks ?? []).toEqual([]);
        }
      });
    });

    describe('messaging follows the topology in events/', () => {
      it('gives every queue a dead-letter queue with redrive after 5 receives, encryption and the topology\'s timeouts', () => {
        for (const spec of topology.queues) {
          const queue = named(get().declared, 'aws:sqs/queue:Queue', spec.name);
          const deadLetterQueue = named(get().declared, 'aws:sqs/queue:Queue', spec.deadLetterQueueName);
          expect(JSON.parse(queue.inputs.redrivePolicy)).toEqual({ deadLetterTargetArn: arnOf(deadLetterQueue), maxReceiveCount: 5 });
          expect(queue.inputs.sqsManagedSseEnabled).toBe(true);
          expect(queue.inputs).toMatchObject({ visibilityTimeoutSeconds: spec.visibilityTimeoutSeconds, receiveWaitTimeSeconds: spec.receiveWaitTimeSeconds });
          expect(deadLetterQueue.inputs.sqsManagedSseEnabled).toBe(true);
          expect(deadLetterQueue.inputs.messageRetentionSeconds).toBe(spec.deadLetterRetentionSeconds);
        }
        for (const topic of topology.topics) expect(named(get().declared, 'aws:sns/topic:Topic', topic.name).inputs.kmsMasterKeyId).toBeTruthy();
      });

      it('subscribes every queue of the topology with raw delivery and its filter policy', () => {
        const declaredSubscriptions = ofType(get().declared, 'aws:sns/topicSubscription:TopicSubscription').filter(({ inputs }) => inputs.protocol === 'sqs');
        expect(declaredSubscriptions).toHaveLength(topology.subscriptions.length);
        for (const subscription of topology.subscriptions) {
          const topicArn = arnOf(named(get().declared, 'aws:sns/topic:Topic', subscription.topic));
          const queueArn = arnOf(named(get().declared, 'aws:sqs/queue:Queue', subscription.queue));
          const found = declaredSubscriptions.find(({ inputs }) => inputs.topic === topicArn && inputs.endpoint === queueArn);
          expect(found?.inputs).toMatchObject({ rawMessageDelivery: true });
          expect(JSON.parse(found!.inputs.filterPolicy)).toEqual(subscription.filterPolicy);
        }
      });

      it('lets a queue receive only from the topics it subscribes to', () => {
        for (const spec of topology.queues) {
          const queue = named(get().declared, 'aws:sqs/queue:Queue', spec.name);
          const policy = ofType(get().declared, 'aws:sqs/queuePolicy:QueuePolicy').find(({ inputs }) => inputs.queueUrl === queue.state.url)!;
          const expected = topology.subscriptions.filter((s) => s.queue === spec.name).map((s) => arnOf(named(get().declared, 'aws:sns/topic:Topic', s.topic)));
          const [statement] = policyOf(policy).Statement;
          expect(statement!.Resource).toBe(arnOf(queue));
          expect(list(statement!.Condition.ArnEquals['aws:SourceArn']).sort()).toEqual(expected.sort());
        }
      });

      it('alarms on every queue depth and age, and on any dead-lettered message', () => {
        const alarms = ofType(get().declared, 'aws:cloudwatch/metricAlarm:MetricAlarm');
        const on = (queueName: string, metricName: string) => alarms.filter(({ inputs }) => inputs.dimensions?.QueueName === queueName && inputs.metricName === metricName);
        for (const spec of topology.queues) {
          expect(on(spec.name, 'ApproximateNumberOfMessagesVisible')).toHaveLength(1);
          expect(on(spec.name, 'ApproximateAgeOfOldestMessage')).toHaveLength(1);
          const [dead] = on(spec.deadLetterQueueName, 'ApproximateNumberOfMessagesVisible');
          expect(dead?.inputs).toMatchObject({ comparisonOperator: 'GreaterThanThreshold', threshold: 0 });
        }
        const alarmTopic = named(get().declared, 'aws:sns/topic:Topic', `bookstore-${stack}-alarms`);
        for (const alarm of alarms) expect(alarm.inputs.alarmActions).toEqual([arnOf(alarmTopic)]);
      });
    });

    describe('least privilege', () => {
      it('lets each service publish only to its own topic and consume only its own queues', () => {
        for (const service of serviceNames) {
          const role = ofType(get().declared, 'aws:iam/role:Role').find(({ name }) => name === `bookstore-${stack}-${service}-task`)!;
          const [policy] = ofType(get().declared, 'aws:iam/rolePolicy:RolePolicy').filter(({ inputs }) => inputs.role === role.id);
          const own = topology.queues.find(({ consumer }) => consumer === service)!;
          const allowed = new Set([
            arnOf(named(get().declared, 'aws:sns/topic:Topic', `${prefix}${service}-events`)),
            arnOf(named(get().declared, 'aws:sqs/queue:Queue', own.name)),
            arnOf(named(get().declared, 'aws:sqs/queue:Queue', own.deadLetterQueueName)),
          ]);
          for (const statement of policyOf(policy!).Statement) {
            for (const resource of list(statement.Resource)) {
              // Neither has resource-level permissions; listing topics reveals no messages, trace segments are write-only.
              if (resource === '*') expect([['sns:ListTopics'], ['xray:PutTraceSegments']]).toContainEqual(list(statement.Action));
              else expect(allowed).toContain(resource);
            }
            if (list(statement.Action).includes('sns:Publish')) expect(statement.Resource).toBe([...allowed][0]);
          }
        }
      });

      it('lets each execution role read only its own secrets', () => {
        const instanceKey = (service: string) => (stack === 'dev' ? 'shared' : service);
        for (const service of serviceNames) {
          const role = ofType(get().declared, 'aws:iam/role:Role').find(({ name }) => name === `bookstore-${stack}-${service}-execution`)!;
          const [policy] = ofType(get().declared, 'aws:iam/rolePolicy:RolePolicy').filter(({ inputs }) => inputs.role === role.id);
          const own = service === 'orders' ? ['order-token-key'] : [];
          const secrets = [`db-${service}-url`, `db-${instanceKey(service)}-admin-url`, 'admin-token', ...own].map((secret) => arnOf(secretNamed(get().declared, `${prefix}${secret}-`)));
          const [statement] = policyOf(policy!).Statement;
          expect(list(statement!.Action)).toEqual(['secretsmanager:GetSecretValue']);
          expect(list(statement!.Resource).sort()).toEqual(secrets.sort());
        }
      });

      it('injects credentials as secrets, never as plain environment values; the master user only into the migrate step', () => {
        for (const definition of ofType(get().declared, 'aws:ecs/taskDefinition:TaskDefinition')) {
          for (const container of JSON.parse(definition.inputs.containerDefinitions)) {
            const names = (container.environment ?? []).map(({ name }: { name: string }) => name);
            expect(names.filter((name: string) => /URL$|TOKEN|PASSWORD|SECRET|KEY/.test(name) && name !== 'AWS_REGION')).toEqual([]);
            expect(JSON.stringify(container.environment ?? [])).not.toContain('generated-secret-value');
            if (!container.secrets) continue;
            const own = definition.name.startsWith(`${prefix}orders-`) ? ['ORDER_TOKEN_KEY'] : [];
            const expected = container.name === 'migrate' ? ['DATABASE_ADMIN_URL', 'DATABASE_URL'] : ['ADMIN_TOKEN', 'DATABASE_URL', ...own];
            expect(container.secrets.map(({ name }: { name: string }) => name).sort()).toEqual(expected);
          }
        }
      });

      it("connects each service as its own role, over TLS verified against RDS's certificate authorities", () => {
        for (const service of serviceNames) {
          const url = new URL(secretValue(get().declared, secretNamed(get().declared, `${prefix}db-${service}-url-`)));
          expect(url.username).toBe(services[service].database);
          expect(url.pathname).toBe(`/${services[service].database}`);
          expect(Object.fromEntries(url.searchParams)).toEqual({ sslmode: 'verify-full', sslrootcert: rdsCaBundlePath });
          const instance = ofType(get().declared, 'aws:rds/instance:Instance').find(({ state }) => state.address === url.hostname)!;
          expect(url.username).not.toBe(instance.inputs.username);
          expect(instance.inputs.dbName).toBeUndefined(); // it would be the master's, not the service role's
        }
        for (const instance of ofType(get().declared, 'aws:rds/instance:Instance')) {
          const admin = ofType(get().declared, 'aws:secretsmanager/secretVersion:SecretVersion').map(({ inputs }) => unwrapSecret(inputs.secretString)).filter((value) => URL.canParse(value)).map((value) => new URL(value)).find((url) => url.hostname === instance.state.address && url.username === instance.inputs.username);
          expect(admin && Object.fromEntries(admin.searchParams)).toEqual({ sslmode: 'verify-full', sslrootcert: rdsCaBundlePath });
        }
      });
    });

    describe('the load balancer follows the routing table', () => {
      it('forwards every route to its service target group, checked on /healthz', () => {
        const rules = ofType(get().declared, 'aws:lb/listenerRule:ListenerRule');
        expect(rules).toHaveLength(routes.length);
        for (const route of routes) {
          const targetGroup = ofType(get().declared, 'aws:lb/targetGroup:TargetGroup').find(({ name }) => name.endsWith(`-${route.service}`))!;
          expect(targetGroup.inputs).toMatchObject({ port: services[route.service].port, targetType: 'ip', healthCheck: { path: '/healthz' } });
          const rule = rules.find(({ inputs }) => inputs.conditions[0].pathPattern.values.includes(route.pathPattern));
          expect(rule?.inputs.actions).toEqual([expect.objectContaining({ type: 'forward', targetGroupArn: arnOf(targetGroup) })]);
        }
        const frontendGroup = ofType(get().declared, 'aws:lb/targetGroup:TargetGroup').find(({ name }) => name.endsWith('-frontend'))!;
        expect(frontendGroup.inputs.port).toBe(frontend.port);
      });

      it("appends the client's address to X-Forwarded-For, without a port: the one hop the services trust (TRUSTED_PROXY_HOPS=1)", () => {
        // 'preserve' would hand the services the client's own entry; a port would make every connection a new client.
        const [alb] = ofType(get().declared, 'aws:lb/loadBalancer:LoadBalancer');
        expect(alb!.inputs).toMatchObject({ xffHeaderProcessingMode: 'append', enableXffClientPort: false });
      });
    });

    describe('deployments', () => {
      it('rolls back a failing deployment and runs migrations before each API and worker', () => {
        for (const service of ofType(get().declared, 'aws:ecs/service:Service')) expect(service.inputs.deploymentCircuitBreaker).toEqual({ enable: true, rollback: true });
        for (const definition of ofType(get().declared, 'aws:ecs/taskDefinition:TaskDefinition').filter(({ name }) => /-(api|worker)$/.test(name))) {
          const [migrate, main] = JSON.parse(definition.inputs.containerDefinitions);
          expect(migrate).toMatchObject({ name: 'migrate', essential: false, command: ['migrate'] });
          // And after the collector has started, which ECS then stops only after the service, so that its last spans get out.
          expect(main.dependsOn).toEqual([{ containerName: 'migrate', condition: 'SUCCESS' }, { containerName: collector.name, condition: 'START' }]);
        }
      });

      it('keeps logs, and creates no repository: the registry project (infra/registry) does, before images are pushed', () => {
        for (const group of ofType(get().declared, 'aws:cloudwatch/logGroup:LogGroup')) expect(group.inputs.retentionInDays).toBeGreaterThan(0);
        expect(ofType(get().declared, 'aws:ecr/repository:Repository')).toEqual([]);
      });

      it('runs the pushed image of the configured tag, pinned by its digest', () => {
        for (const definition of ofType(get().declared, 'aws:ecs/taskDefinition:TaskDefinition')) {
          const workload = definition.name.replace(`bookstore-${stack}-`, '').replace(/-(api|worker)$/, '');
          for (const container of containersOf(definition).filter(({ name }) => name !== collector.name)) {
            expect(container.image).toBe(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/bookstore-${stack}/${workload}@sha256:bookstore${stack}${workload}${pushedTag}`);
          }
        }
      });

      it('starts no task before its secrets have values and its roles may read them and act', () => {
        const { declared } = get();
        const ecsServices = ofType(declared, 'aws:ecs/service:Service');
        expect(ecsServices).toHaveLength(serviceNames.length * 2 + 1);
        for (const service of ecsServices) {
          const definition = ofType(declared, 'aws:ecs/taskDefinition:TaskDefinition').find((candidate) => arnOf(candidate) === service.inputs.taskDefinition)!;
          const secretArns = JSON.parse(definition.inputs.containerDefinitions).flatMap((container: any) => (container.secrets ?? []).map(({ valueFrom }: any) => valueFrom));
          const values = ofType(declared, 'aws:secretsmanager/secretVersion:SecretVersion').filter(({ inputs }) => secretArns.includes(byId(declared, inputs.secretId).state.arn));
          expect(values).toHaveLength(new Set(secretArns).size);
          const roles = [definition.inputs.executionRoleArn, definition.inputs.taskRoleArn].filter(Boolean).map((arn) => ofType(declared, 'aws:iam/role:Role').find((role) => arnOf(role) === arn)!);
          const grants = [...ofType(declared, 'aws:iam/rolePolicy:RolePolicy'), ...ofType(declared, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment')]
            .filter(({ inputs }) => roles.some((role) => inputs.role === role.id || inputs.role === role.state.name));
          expect(grants.length).toBeGreaterThanOrEqual(roles.length);
          for (const prerequisite of [...values, ...grants]) {
            expect({ service: service.name, after: prerequisite.name, waits: waitsFor(service, prerequisite) }).toEqual({ service: service.name, after: prerequisite.name, waits: true });
          }
        }
      });

      it("checks the liveness of every API and worker container on its own port's /healthz, and exposes only the API's port", () => {
        for (const definition of ofType(get().declared, 'aws:ecs/taskDefinition:TaskDefinition').filter(({ name }) => /-(api|worker)$/.test(name))) {
          const main = serviceProcess(definition);
          const port = main.environment.find(({ name }: any) => name === 'PORT').value;
          expect(main.healthCheck.command.join(' ')).toContain(`http://127.0.0.1:${port}/healthz`);
          expect(main.portMappings ?? []).toEqual(main.name === 'api' ? [{ containerPort: Number(port), protocol: 'tcp' }] : []);
        }
      });

      it("runs the services' containers on a read-only root filesystem", () => {
        for (const definition of ofType(get().declared, 'aws:ecs/taskDefinition:TaskDefinition').filter(({ name }) => /-(api|worker)$/.test(name))) {
          for (const container of JSON.parse(definition.inputs.containerDefinitions)) expect([container.name, container.readonlyRootFilesystem]).toEqual([container.name, true]);
        }
      });

      it('runs every task on the architecture the pipelines build for', () => {
        for (const definition of ofType(get().declared, 'aws:ecs/taskDefinition:TaskDefinition')) {
          expect(definition.inputs.runtimePlatform).toEqual({ operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' });
        }
      });

      it('makes `pulumi up` wait for a steady state, and lets a changed setting force a new deployment', () => {
        for (const service of ofType(get().declared, 'aws:ecs/service:Service')) {
          expect(service.inputs).toMatchObject({ waitForSteadyState: true, forceNewDeployment: true, triggers: { redeployment: 'initial' } });
        }
      });

      it("sizes every pool so that all tasks on an instance, at maximum scale and doubled during a deploy, fit in its connection limit", () => {
        const { declared } = get();
        const used = new Map<string, number>();
        for (const service of ofType(declared, 'aws:ecs/service:Service').filter(({ name }) => !name.endsWith('-frontend'))) {
          const definition = ofType(declared, 'aws:ecs/taskDefinition:TaskDefinition').find((candidate) => arnOf(candidate) === service.inputs.taskDefinition)!;
          const main = serviceProcess(definition);
          const poolSize = Number(main.environment.find(({ name }: any) => name === 'DATABASE_POOL_SIZE').value);
          const urlSecret = main.secrets.find(({ name }: any) => name === 'DATABASE_URL').valueFrom;
          const host = new URL(secretValue(declared, ofType(declared, 'aws:secretsmanager/secret:Secret').find((secret) => arnOf(secret) === urlSecret)!)).hostname;
          const { maxCapacity } = ofType(declared, 'aws:appautoscaling/target:Target').find(({ inputs }) => inputs.resourceId.endsWith(`/${service.state.name}`))!.inputs;
          expect(poolSize).toBeGreaterThanOrEqual(2);
          used.set(host, (used.get(host) ?? 0) + maxCapacity * 2 * poolSize);
        }
        for (const instance of ofType(declared, 'aws:rds/instance:Instance')) {
          const limit = maxConnections(instance.inputs.instanceClass);
          expect(used.get(instance.state.address)).toBeLessThanOrEqual(limit - 10);
          // The limit is the one in force: set in the instance's parameter group, not left to RDS's formula.
          const parameters = ofType(declared, 'aws:rds/parameterGroup:ParameterGroup').find(({ state }) => state.name === instance.inputs.parameterGroupName)!;
          expect(parameters.inputs.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'max_connections', value: String(limit) })]));
          expect(parameters.inputs.family).toBe(`postgres${instance.inputs.engineVersion}`);
        }
      });

      it('uses no fixed name that a replacement or a second stack of the same name would collide with', () => {
        for (const instance of ofType(get().declared, 'aws:rds/instance:Instance')) {
          expect(instance.inputs.identifier).toBeUndefined();
          if (!instance.inputs.skipFinalSnapshot) expect(instance.inputs.finalSnapshotIdentifier).toMatch(new RegExp(`^${prefix}\\w+-final-[0-9a-f]+$`));
        }
        for (const secret of ofType(get().declared, 'aws:secretsmanager/secret:Secret')) {
          expect(secret.inputs.name).toBeUndefined();
          expect(secret.inputs.namePrefix).toMatch(new RegExp(`^${prefix}`));
        }
        // What must keep its name (topics and queues the services find by name, alarms the key policy names, the web ACL its metrics
        // are found by) is deleted before it is replaced.
        const fixedNames = get().declared.filter(({ type, inputs }) => (inputs.name !== undefined || inputs.dashboardName !== undefined) && type !== 'aws:ecs/taskDefinition:TaskDefinition');
        expect(new Set(fixedNames.map(({ type }) => type))).toEqual(new Set(['aws:sns/topic:Topic', 'aws:sqs/queue:Queue', 'aws:cloudwatch/metricAlarm:MetricAlarm', 'aws:cloudwatch/logGroup:LogGroup', 'aws:cloudwatch/dashboard:Dashboard', 'aws:wafv2/webAcl:WebAcl']));
        for (const resource of fixedNames) expect([resource.name, resource.deleteBeforeReplace]).toEqual([resource.name, true]);
      });
    });

    describe("traces go to X-Ray, and the saga's service levels are alarmed on and charted", () => {
      const serviceTasks = () => ofType(get().declared, 'aws:ecs/taskDefinition:TaskDefinition').filter(({ name }) => /-(api|worker)$/.test(name));
      const namespace = `${metricsNamespacePrefix}/bookstore-${stack}`;
      const alarmsOn = (metricName: string) => ofType(get().declared, 'aws:cloudwatch/metricAlarm:MetricAlarm').filter(({ inputs }) => inputs.metricName === metricName);

      it('runs an ADOT collector beside every API and worker: a release of the image, its ECS X-Ray config, OTLP/HTTP, not essential', () => {
        expect(serviceTasks()).toHaveLength(serviceNames.length * 2);
        for (const definition of serviceTasks()) {
          const sidecar = containersOf(definition).find(({ name }) => name === collector.name);
          expect(sidecar?.image).toMatch(/^public\.ecr\.aws\/aws-observability\/aws-otel-collector:v\d+\.\d+\.\d+$/);
          expect(sidecar).toMatchObject({ command: ['--config=/etc/ecs/ecs-xray.yaml'], essential: false, restartPolicy: { enabled: true } });
          expect(sidecar.portMappings).toEqual([{ containerPort: 4318, protocol: 'tcp' }]);
          expect(environmentOf(sidecar).AWS_REGION).toBe('eu-west-1');
          // Its own logs in the service's log group, beside the service's.
          expect(sidecar.logConfiguration.options).toMatchObject({ 'awslogs-group': serviceProcess(definition).logConfiguration.options['awslogs-group'], 'awslogs-stream-prefix': collector.name });
        }
      });

      it("points every API and worker process at the collector on the task's loopback, under its own name, with the stack's metrics namespace", () => {
        for (const definition of serviceTasks()) {
          const main = serviceProcess(definition);
          const environment = environmentOf(main);
          const port = containersOf(definition).find(({ name }) => name === collector.name).portMappings[0].containerPort;
          expect(['127.0.0.1', 'localhost']).toContain(new URL(environment.OTEL_EXPORTER_OTLP_ENDPOINT!).hostname);
          expect(new URL(environment.OTEL_EXPORTER_OTLP_ENDPOINT!)).toMatchObject({ protocol: 'http:', port: String(port), pathname: '/' });
          expect(environment.OTEL_SERVICE_NAME).toBe(definition.name.replace(`bookstore-${stack}-`, ''));
          expect(environment.METRICS_NAMESPACE).toBe(namespace);
        }
      });

      it("lets every service's task role write trace segments to X-Ray", () => {
        for (const definition of serviceTasks()) {
          const role = ofType(get().declared, 'aws:iam/role:Role').find((candidate) => arnOf(candidate) === definition.inputs.taskRoleArn)!;
          const statements = ofType(get().declared, 'aws:iam/rolePolicy:RolePolicy').filter(({ inputs }) => inputs.role === role.id).flatMap((policy) => policyOf(policy).Statement);
          expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Allow', Action: 'xray:PutTraceSegments', Resource: '*' }));
        }
      });

      it('sizes every task as a valid Fargate combination that holds what its containers reserve', () => {
        for (const definition of ofType(get().declared, 'aws:ecs/taskDefinition:TaskDefinition')) {
          const { cpu, memory } = definition.inputs;
          expect({ task: definition.name, cpu, memory: Number(memory), valid: fargateMemory[cpu]?.includes(Number(memory)) }).toMatchObject({ valid: true });
          const reserved = (key: 'cpu' | 'memory') => containersOf(definition).reduce((sum, container) => sum + (container[key] ?? (key === 'memory' ? container.memoryReservation : 0) ?? 0), 0);
          expect(reserved('cpu')).toBeLessThanOrEqual(Number(cpu));
          expect(reserved('memory')).toBeLessThanOrEqual(Number(memory));
        }
      });

      it("alarms on orders pending past their deadline, a slow p99 from placed to CONFIRMED and each service's outbox lag, in the services' own namespace and dimensions", () => {
        const alarmTopic = arnOf(named(get().declared, 'aws:sns/topic:Topic', `bookstore-${stack}-alarms`));
        const [pastDeadline, ...otherPastDeadline] = alarmsOn(sagaMetrics.ordersPendingPastDeadline.name);
        expect(otherPastDeadline).toEqual([]);
        expect(pastDeadline!.inputs).toMatchObject({
          namespace, dimensions: { Service: 'orders' }, statistic: 'Maximum', comparisonOperator: 'GreaterThanThreshold', threshold: 0, treatMissingData: 'breaching', alarmActions: [alarmTopic],
        });
        const [slow, ...otherSlow] = alarmsOn(sagaMetrics.placedToDecided.name);
        expect(otherSlow).toEqual([]);
        expect(slow!.inputs).toMatchObject({ namespace, dimensions: { Service: 'orders', Outcome: 'CONFIRMED' }, extendedStatistic: 'p99', threshold: 5_000, alarmActions: [alarmTopic] });
        const lags = alarmsOn(sagaMetrics.outboxLag.name);
        expect(lags.map(({ inputs }) => inputs.dimensions.Service).sort()).toEqual([...serviceNames].sort());
        for (const lag of lags) expect(lag.inputs).toMatchObject({ namespace, statistic: 'Maximum', threshold: 60, treatMissingData: 'breaching', alarmActions: [alarmTopic] });
        // Exactly the dimension names the services write each metric with: any other set is another metric, with no data.
        const byName = Object.fromEntries(Object.values(sagaMetrics).map((metric) => [metric.name, metric]));
        for (const alarm of [pastDeadline!, slow!, ...lags]) expect(Object.keys(alarm.inputs.dimensions).sort()).toEqual([...byName[alarm.inputs.metricName]!.dimensions].sort());
      });

      it('charts the saga on the dashboard: the metrics its alarms watch, every saga metric, and the alarms themselves', () => {
        const body = JSON.parse(ofType(get().declared, 'aws:cloudwatch/dashboard:Dashboard')[0]!.inputs.dashboardBody);
        const lines: unknown[][] = body.widgets.flatMap((widget: any) => widget.properties.metrics ?? []);
        const charted = lines.filter((line) => typeof line[0] === 'string').map(chartedMetric);
        const searches = lines.flatMap((line) => line.filter((item: any) => item?.expression).map((item: any) => item.expression as string));
        const sagaAlarms = [sagaMetrics.ordersPendingPastDeadline, sagaMetrics.placedToDecided, sagaMetrics.outboxLag].flatMap(({ name }) => alarmsOn(name));
        for (const { inputs } of sagaAlarms) expect(charted).toContainEqual({ namespace: inputs.namespace, metricName: inputs.metricName, dimensions: inputs.dimensions });
        for (const metric of Object.values(sagaMetrics)) {
          const exactly = charted.some((line) => line.namespace === namespace && line.metricName === metric.name && Object.keys(line.dimensions).sort().join() === [...metric.dimensions].sort().join());
          const searched = searches.some((expression) => expression.includes(`{${namespace},${metric.dimensions.join(',')}}`) && expression.includes(`MetricName="${metric.name}"`));
          expect({ metric: metric.name, charted: exactly || searched }).toEqual({ metric: metric.name, charted: true });
        }
        const alarmWidget = body.widgets.find((widget: any) => widget.type === 'alarm');
        expect([...(alarmWidget?.properties.alarms ?? [])].sort()).toEqual(sagaAlarms.map(arnOf).sort());
      });
    });

    describe('the WAF in front of the load balancer', () => {
      const webAcl = () => {
        const [acl, ...others] = ofType(get().declared, 'aws:wafv2/webAcl:WebAcl');
        expect(others).toEqual([]);
        return acl!;
      };
      const rules = (): any[] => webAcl().inputs.rules;
      const managedRule = (group: string) => rules().find(({ statement }) => statement.managedRuleGroupStatement?.name === group);
      const rateRules = () => rules().filter(({ statement }) => statement.rateBasedStatement);

      it('is a regional web ACL associated with the ALB, allowing what no rule blocks', () => {
        const alb = ofType(get().declared, 'aws:lb/loadBalancer:LoadBalancer');
        expect(alb).toHaveLength(1);
        expect(webAcl().inputs).toMatchObject({ scope: 'REGIONAL', defaultAction: { allow: {} } });
        const associations = ofType(get().declared, 'aws:wafv2/webAclAssociation:WebAclAssociation');
        expect(associations.map(({ inputs }) => [inputs.resourceArn, inputs.webAclArn])).toEqual([[arnOf(alb[0]!), arnOf(webAcl())]]);
        // No service behind the ALB takes traffic before the WAF is in front of it.
        for (const service of ofType(get().declared, 'aws:ecs/service:Service').filter(({ inputs }) => inputs.loadBalancers)) {
          expect({ service: service.name, waits: waitsFor(service, associations[0]!) }).toEqual({ service: service.name, waits: true });
        }
      });

      it("runs AWS's known-bad-inputs and common rule sets with their own actions, but for the 8 KB body rule", () => {
        for (const group of managedRuleGroups) {
          const rule = managedRule(group);
          expect(rule?.statement.managedRuleGroupStatement.vendorName).toBe('AWS');
          // `none` keeps the group's blocks; `count` (or a rule action) would make the whole group a report.
          expect([group, rule.overrideAction, rule.action]).toEqual([group, { none: {} }, undefined]);
        }
        expect(managedRule('AWSManagedRulesKnownBadInputsRuleSet').statement.managedRuleGroupStatement.ruleActionOverrides ?? []).toEqual([]);
        // The only exception, justified in src/firewall.ts: SizeRestrictions_BODY counts, and labels, instead of blocking.
        expect(managedRule('AWSManagedRulesCommonRuleSet').statement.managedRuleGroupStatement.ruleActionOverrides).toEqual([{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }]);
      });

      it('still blocks bodies over 8 KB, after the common rule set has labelled them, except under Catalog\'s prefix', () => {
        const common = managedRule('AWSManagedRulesCommonRuleSet');
        const oversize = rules().find(({ statement }) => JSON.stringify(statement).includes(oversizeBody.label));
        expect(oversize.priority).toBeGreaterThan(common.priority);
        expect(oversize.action).toEqual({ block: {} });
        expect(oversize.statement.andStatement.statements).toEqual([
          { labelMatchStatement: { scope: 'LABEL', key: 'awswaf:managed:aws:core-rule-set:SizeRestrictions_Body' } },
          {
            notStatement: {
              statement: {
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} }, positionalConstraint: 'STARTS_WITH', searchString: `${services.catalog.pathPrefix}/`,
                  textTransformations: [{ priority: 0, type: 'NORMALIZE_PATH' }],
                },
              },
            },
          },
        ]);
      });

      it('limits every client IP over all requests, and more tightly on registering cards and placing orders, first of all rules', () => {
        const [writes, all, ...others] = rateRules();
        expect(others).toEqual([]);
        const firstOther = Math.min(...rules().filter((rule) => !rule.statement.rateBasedStatement).map(({ priority }) => priority));
        for (const rule of [writes, all]) {
          expect(rule.priority).toBeLessThan(firstOther);
          expect(rule.statement.rateBasedStatement.aggregateKeyType).toBe('IP');
          expect(rule.action.block.customResponse).toMatchObject({ responseCode: 429, customResponseBodyKey: rateLimitedResponse.key });
        }
        // The defaults infra/README.md documents.
        expect(all.statement.rateBasedStatement).toEqual({ aggregateKeyType: 'IP', limit: 3_000, evaluationWindowSec: 300 });
        expect(writes.statement.rateBasedStatement).toMatchObject({ limit: 20, evaluationWindowSec: 600 });
        const [method, path] = writes.statement.rateBasedStatement.scopeDownStatement.andStatement.statements;
        expect(method.byteMatchStatement).toMatchObject({ fieldToMatch: { method: {} }, positionalConstraint: 'EXACTLY', searchString: 'POST' });
        expect(path.regexMatchStatement.fieldToMatch).toEqual({ uriPath: {} });
        expect(path.regexMatchStatement.textTransformations.map(({ type }: any) => type)).toEqual(['URL_DECODE', 'NORMALIZE_PATH', 'LOWERCASE']);
        // The paths of the routing table the ALB's rules come from, with or without the trailing slash Express accepts.
        const counted = new RegExp(path.regexMatchStatement.regexString);
        expect(orderWrites.paths).toEqual([services.orders.pathPrefix, `${services.payments.pathPrefix}/methods`]);
        for (const guarded of orderWrites.paths) for (const spelling of [guarded, `${guarded}/`]) expect(spelling).toMatch(counted);
        for (const route of routes.filter(({ service }) => service !== 'orders')) expect(route.pathPrefix).not.toMatch(counted);
        for (const other of ['/api/orders/0b7e5d8e-5c1a-4c1e-9f1e-2d3c4b5a6978', '/api/payments/methods/x', '/api/ordersx', '/x/api/orders']) expect(other).not.toMatch(counted);
      });

      it('answers a client over a rate limit with the JSON error the services use, and a Retry-After of the rule\'s window', () => {
        const [body, ...others] = webAcl().inputs.customResponseBodies;
        expect(others).toEqual([]);
        expect(body).toMatchObject({ key: rateLimitedResponse.key, contentType: 'APPLICATION_JSON' });
        expect(JSON.parse(body.content)).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
        for (const rule of rateRules()) {
          expect(rule.action.block.customResponse.responseHeaders).toEqual([{ name: 'Retry-After', value: String(rule.statement.rateBasedStatement.evaluationWindowSec) }]);
        }
      });

      it('sends CloudWatch metrics and samples of the web ACL and of every rule, each under its own name', () => {
        const acl = webAcl();
        expect(acl.inputs.visibilityConfig).toEqual({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: acl.inputs.name });
        for (const rule of rules()) expect(rule.visibilityConfig).toEqual({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: rule.name });
        expect(new Set(rules().map(({ name }) => name)).size).toBe(rules().length);
      });

      it('charts what the WAF blocks, per rule, and alarms on a sustained run of blocked order writes, on the web ACL\'s own metrics', () => {
        const acl = webAcl();
        const onAcl = (rule: string) => ({ namespace: 'AWS/WAFV2', metricName: 'BlockedRequests', dimensions: { WebACL: acl.inputs.visibilityConfig.metricName, Region: 'eu-west-1', Rule: rule } });
        const body = JSON.parse(ofType(get().declared, 'aws:cloudwatch/dashboard:Dashboard')[0]!.inputs.dashboardBody);
        const charted = body.widgets.flatMap((widget: any) => widget.properties.metrics ?? []).filter((line: unknown[]) => typeof line[0] === 'string').map(chartedMetric);
        for (const rule of ['ALL', ...rules().map(({ visibilityConfig }) => visibilityConfig.metricName)]) expect(charted).toContainEqual(onAcl(rule));
        const wafAlarms = ofType(get().declared, 'aws:cloudwatch/metricAlarm:MetricAlarm').filter(({ inputs }) => inputs.namespace === 'AWS/WAFV2');
        expect(wafAlarms).toHaveLength(1);
        const [writes] = rateRules();
        expect(wafAlarms[0]!.inputs).toMatchObject({
          ...onAcl(writes.visibilityConfig.metricName),
          statistic: 'Sum', period: 300, evaluationPeriods: 3, datapointsToAlarm: 3, comparisonOperator: 'GreaterThanThreshold', threshold: 100,
          treatMissingData: 'notBreaching', alarmActions: [arnOf(named(get().declared, 'aws:sns/topic:Topic', `bookstore-${stack}-alarms`))],
        });
        // Dimension for dimension: CloudWatch knows no metric under any other set.
        expect(Object.keys(wafAlarms[0]!.inputs.dimensions).sort()).toEqual(['Region', 'Rule', 'WebACL']);
        // The WebACL dimension is the web ACL's metric name by some of AWS's pages, its name by others: both are the same.
        expect(acl.inputs.name).toBe(acl.inputs.visibilityConfig.metricName);
      });
    });

    describe("the order token key: Orders' alone, from Secrets Manager", () => {
      const keySecret = () => secretNamed(get().declared, `${prefix}order-token-key-`);

      it('is a long random key of letters and digits, in a secret of its own', () => {
        const password = ofType(get().declared, 'random:index/randomPassword:RandomPassword').find(({ name }) => name === `${prefix}order-token-key`)!;
        expect(password.inputs).toMatchObject({ length: 64, special: false });
        const version = ofType(get().declared, 'aws:secretsmanager/secretVersion:SecretVersion').find(({ inputs }) => inputs.secretId === keySecret().id)!;
        expect(unwrapSecret(version.inputs.secretString)).toBe(password.state.result);
        expect(get().outputs.orderTokenKeySecretArn).toBe(arnOf(keySecret()));
      });

      it("reaches Orders' API and worker processes, as ORDER_TOKEN_KEY from that secret, and no other container", () => {
        const given: string[] = [];
        for (const definition of ofType(get().declared, 'aws:ecs/taskDefinition:TaskDefinition')) {
          for (const container of containersOf(definition)) {
            const asSecret = (container.secrets ?? []).filter(({ valueFrom }: any) => valueFrom === arnOf(keySecret()));
            expect(asSecret.every(({ name }: any) => name === 'ORDER_TOKEN_KEY')).toBe(true);
            if (asSecret.length > 0) given.push(`${definition.name.replace(prefix, '')}/${container.name}`);
            expect((container.environment ?? []).map(({ name }: any) => name)).not.toContain('ORDER_TOKEN_KEY');
          }
        }
        expect(given.sort()).toEqual(['orders-api/api', 'orders-worker/worker']);
      });

      it("may be read by Orders' execution role, and by no other role", () => {
        const readers = ofType(get().declared, 'aws:iam/rolePolicy:RolePolicy')
          .filter((policy) => policyOf(policy).Statement.some(({ Resource }) => list(Resource).includes(arnOf(keySecret()))))
          .map(({ inputs }) => byId(get().declared, inputs.role).name);
        expect(readers).toEqual([`${prefix}orders-execution`]);
        const orders = ofType(get().declared, 'aws:ecs/taskDefinition:TaskDefinition').filter(({ name }) => name.startsWith(`${prefix}orders-`));
        for (const definition of orders) expect(definition.inputs.executionRoleArn).toBe(arnOf(ofType(get().declared, 'aws:iam/role:Role').find(({ name }) => name === `${prefix}orders-execution`)!));
      });
    });

    describe('alarms reach on-call', () => {
      it("encrypts the alarm topic with a key whose policy lets this stack's CloudWatch alarms publish", () => {
        const { declared } = get();
        const alarmTopic = named(declared, 'aws:sns/topic:Topic', `bookstore-${stack}-alarms`);
        const key = ofType(declared, 'aws:kms/key:Key').find((candidate) => arnOf(candidate) === alarmTopic.inputs.kmsMasterKeyId);
        expect(key).toBeDefined();
        expect(key!.inputs.enableKeyRotation).toBe(true);
        const statements = policyOf(key!).Statement as any[];
        const cloudWatch = statements.find(({ Principal }) => Principal?.Service === 'cloudwatch.amazonaws.com');
        expect(cloudWatch).toMatchObject({ Effect: 'Allow', Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } });
        expect(list(cloudWatch.Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
        const glob = new RegExp(`^${cloudWatch.Condition.ArnLike['aws:SourceArn'].replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`);
        const alarms = ofType(declared, 'aws:cloudwatch/metricAlarm:MetricAlarm');
        for (const alarm of alarms) expect(`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarm.inputs.name}`).toMatch(glob);
        // Without a statement for the account, nobody could ever administer (or delete) the key.
        expect(statements.some(({ Principal, Action }) => Principal?.AWS === 'arn:aws:iam::123456789012:root' && Action === 'kms:*')).toBe(true);
      });
    });

    it('outputs the ALB URL, the image tag, the queues and the dashboard', () => {
      const { outputs } = get();
      expect(outputs.albUrl).toMatch(/^https?:\/\/.+elb\.amazonaws\.com$/);
      expect(outputs.imageTag).toBe(pushedTag);
      // scripts/deploy checks each of these after `pulumi up` (infra/scripts/verify-rollout.mjs).
      const ecsServices = ofType(get().declared, 'aws:ecs/service:Service');
      expect(outputs.rollout.taskDefinitions).toEqual(Object.fromEntries(ecsServices.map(({ state, inputs }) => [state.name, inputs.taskDefinition])));
      expect(Object.keys(outputs.queueUrls).sort()).toEqual(topology.queues.flatMap((q) => [q.name, q.deadLetterQueueName]).sort());
      expect(outputs.dashboardUrl).toContain('cloudwatch/home?region=eu-west-1#dashboards:name=');
    });

    extra(get);
  });
}
