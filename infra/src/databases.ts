import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { serviceNames, services, type ServiceName } from '@bookstore/kit/platform';
import type { StackSettings } from './config';
import { maxConnections, poolSizePerTask } from './connections';

/** Where the service image keeps AWS's RDS certificate authorities (services/Dockerfile), to verify the server. */
export const rdsCaBundlePath = '/app/certs/rds-global-bundle.pem';
const tls = `sslmode=verify-full&sslrootcert=${rdsCaBundlePath}`;
const masterUser = 'bookstore';

export interface DatabaseArgs {
  settings: StackSettings;
  subnetIds: pulumi.Input<string>[];
  /** Each service's task security group; only it may reach that service's database. */
  taskSecurityGroups: Record<ServiceName, aws.ec2.SecurityGroup>;
  vpcId: pulumi.Input<string>;
}

/** What a service's tasks need of its database: the secrets ECS injects, and how many connections to open. */
export interface ServiceDatabase {
  /** DATABASE_URL: the service's own role, which owns its database and nothing else. */
  url: aws.secretsmanager.Secret;
  /** DATABASE_ADMIN_URL, for the migrate step only: the instance's master user, which creates the role and database. */
  adminUrl: aws.secretsmanager.Secret;
  /** The secrets' values: a task must not start before they exist. */
  values: aws.secretsmanager.SecretVersion[];
  poolSize: number;
}

/**
 * One PostgreSQL database per service, on an instance per service (production) or one shared instance
 * (development), as the stack's settings say. Instances are private, encrypted and reachable only from their
 * services' tasks. Each service connects as its own role, which the migrate step creates with the master
 * user, so that on a shared instance no service can read another's data. Credentials are generated here and
 * stored as connection URLs in Secrets Manager, from where ECS injects them; they never appear as plain task
 * environment values. Connections are TLS, verified against the RDS certificate authorities.
 */
export class Databases extends pulumi.ComponentResource {
  readonly instances: aws.rds.Instance[] = [];
  readonly securityGroups: aws.ec2.SecurityGroup[] = [];
  readonly forService = {} as Record<ServiceName, ServiceDatabase>;

  constructor(name: string, { settings, subnetIds, taskSecurityGroups, vpcId }: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bookstore:data:Databases', name, {}, opts);
    const parent = { parent: this };
    const subnetGroup = new aws.rds.SubnetGroup(name, { subnetIds, description: 'private subnets only' }, parent);
    const groups = settings.databaseLayout === 'shared-instance' ? [{ key: 'shared', owners: serviceNames }] : serviceNames.map((service) => ({ key: service, owners: [service] }));
    const tasksPerService = settings.apiTasks.max + settings.workerTasks.max;

    for (const { key, owners } of groups) {
      const securityGroup = new aws.ec2.SecurityGroup(`${name}-${key}`, {
        vpcId,
        description: `PostgreSQL for ${owners.join(', ')}: only from their tasks`,
        ingress: owners.map((service) => ({ protocol: 'tcp', fromPort: 5432, toPort: 5432, securityGroups: [taskSecurityGroups[service].id], description: `${service} tasks` })),
        egress: [],
      }, parent);
      const password = new random.RandomPassword(`${name}-${key}`, { length: 40, special: false }, parent);
      // A new suffix whenever the stack is created again, so that a second teardown does not collide with the first's snapshot.
      const snapshotSuffix = new random.RandomId(`${name}-${key}-final-snapshot`, { byteLength: 4 }, parent);
      // max_connections set, not left to RDS's formula, so that the pools sized from it fit exactly.
      const parameters = new aws.rds.ParameterGroup(`${name}-${key}`, {
        family: `postgres${settings.databaseEngineVersion.split('.')[0]}`,
        description: `PostgreSQL for ${owners.join(', ')}`,
        parameters: [
          { name: 'max_connections', value: String(maxConnections(settings.databaseInstanceClass)), applyMethod: 'pending-reboot' },
          { name: 'rds.force_ssl', value: '1' },
        ],
      }, parent);
      // No fixed `identifier`: Pulumi adds a random suffix, so a replacement can be created before the old instance is gone.
      const instance = new aws.rds.Instance(`${name}-${key}`, {
        engine: 'postgres',
        engineVersion: settings.databaseEngineVersion,
        instanceClass: settings.databaseInstanceClass,
        allocatedStorage: 20,
        maxAllocatedStorage: 200,
        storageType: 'gp3',
        storageEncrypted: true,
        // No `dbName`: RDS would create that database owned by the master user; each migrate step creates its own, owned by its role.
        username: masterUser,
        password: password.result,
        dbSubnetGroupName: subnetGroup.name,
        parameterGroupName: parameters.name,
        vpcSecurityGroupIds: [securityGroup.id],
        publiclyAccessible: false,
        multiAz: settings.multiAz,
        deletionProtection: settings.deletionProtection,
        backupRetentionPeriod: settings.backupRetentionDays,
        skipFinalSnapshot: !settings.keepDataOnDelete,
        finalSnapshotIdentifier: settings.keepDataOnDelete ? pulumi.interpolate`${settings.namePrefix}-${key}-final-${snapshotSuffix.hex}` : undefined,
        deleteAutomatedBackups: !settings.keepDataOnDelete,
        copyTagsToSnapshot: true,
        autoMinorVersionUpgrade: true,
        performanceInsightsEnabled: settings.environment === 'prod',
        // A replacement would be a new, empty database that the services' URLs then point at: only by a deliberate decision.
      }, { ...parent, protect: settings.deletionProtection });
      this.instances.push(instance);
      this.securityGroups.push(securityGroup);

      const admin = this.urlSecret(`${name}-${key}-admin-url`, settings, `the master user of the ${key} database instance, for the migrate steps`,
        pulumi.interpolate`postgresql://${masterUser}:${password.result}@${instance.address}:${instance.port}/postgres?${tls}`);
      const poolSize = poolSizePerTask(settings.databaseInstanceClass, tasksPerService * owners.length);
      for (const service of owners) {
        const role = services[service].database;
        const rolePassword = new random.RandomPassword(`${name}-${service}-role`, { length: 40, special: false }, parent);
        const own = this.urlSecret(`${name}-${service}-url`, settings, `DATABASE_URL of the ${service} service: its own role`,
          pulumi.interpolate`postgresql://${role}:${rolePassword.result}@${instance.address}:${instance.port}/${services[service].database}?${tls}`);
        this.forService[service] = { url: own.secret, adminUrl: admin.secret, values: [own.value, admin.value], poolSize };
      }
    }
    this.registerOutputs({});
  }

  private urlSecret(name: string, settings: StackSettings, description: string, url: pulumi.Output<string>) {
    // Named by prefix, not fixed: a deleted secret's name stays taken for its recovery window, which would block recreating the stack.
    const secret = new aws.secretsmanager.Secret(name, {
      namePrefix: `${name}-`,
      description,
      recoveryWindowInDays: settings.keepDataOnDelete ? 30 : 0,
    }, { parent: this });
    const value = new aws.secretsmanager.SecretVersion(name, { secretId: secret.id, secretString: url }, { parent: this });
    return { secret, value };
  }
}
