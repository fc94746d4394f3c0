import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { serviceNames, services, type ServiceName } from '@bookstore/kit/platform';
import type { StackSettings } from './config';

export interface DatabaseArgs {
  settings: StackSettings;
  subnetIds: pulumi.Input<string>[];
  /** Each service's task security group; only it may reach that service's database. */
  taskSecurityGroups: Record<ServiceName, aws.ec2.SecurityGroup>;
  vpcId: pulumi.Input<string>;
}

/**
 * One PostgreSQL database per service, on an instance per service (production) or one shared instance
 * (development), as the stack's settings say. Instances are private, encrypted and reachable only from
 * their services' tasks. Credentials are generated here and stored, with the whole connection URL, in
 * Secrets Manager, from where ECS injects them; they never appear as plain task environment values.
 */
export class Databases extends pulumi.ComponentResource {
  readonly instances: aws.rds.Instance[] = [];
  readonly securityGroups: aws.ec2.SecurityGroup[] = [];
  /** The secret holding each service's DATABASE_URL. */
  readonly urlSecrets = {} as Record<ServiceName, aws.secretsmanager.Secret>;

  constructor(name: string, { settings, subnetIds, taskSecurityGroups, vpcId }: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bookstore:data:Databases', name, {}, opts);
    const parent = { parent: this };
    const subnetGroup = new aws.rds.SubnetGroup(name, { subnetIds, description: 'private subnets only' }, parent);
    const groups = settings.databaseLayout === 'shared-instance' ? [{ key: 'shared', owners: serviceNames }] : serviceNames.map((service) => ({ key: service, owners: [service] }));

    for (const { key, owners } of groups) {
      const securityGroup = new aws.ec2.SecurityGroup(`${name}-${key}`, {
        vpcId,
        description: `PostgreSQL for ${owners.join(', ')}: only from their tasks`,
        ingress: owners.map((service) => ({ protocol: 'tcp', fromPort: 5432, toPort: 5432, securityGroups: [taskSecurityGroups[service].id], description: `${service} tasks` })),
        egress: [],
      }, parent);
      const password = new random.RandomPassword(`${name}-${key}`, { length: 40, special: false }, parent);
      const instance = new aws.rds.Instance(`${name}-${key}`, {
        identifier: `${settings.namePrefix}-${key}`,
        engine: 'postgres',
        engineVersion: settings.databaseEngineVersion,
        instanceClass: settings.databaseInstanceClass,
        allocatedStorage: 20,
        maxAllocatedStorage: 200,
        storageType: 'gp3',
        storageEncrypted: true,
        dbName: services[owners[0]!].database,
        username: 'bookstore',
        password: password.result,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [securityGroup.id],
        publiclyAccessible: false,
        multiAz: settings.multiAz,
        deletionProtection: settings.deletionProtection,
        backupRetentionPeriod: settings.backupRetentionDays,
        skipFinalSnapshot: !settings.deletionProtection,
        finalSnapshotIdentifier: settings.deletionProtection ? `${settings.namePrefix}-${key}-final` : undefined,
        copyTagsToSnapshot: true,
        autoMinorVersionUpgrade: true,
        performanceInsightsEnabled: settings.environment === 'prod',
      }, parent);
      this.instances.push(instance);
      this.securityGroups.push(securityGroup);

      for (const service of owners) {
        const secret = new aws.secretsmanager.Secret(`${name}-${service}-url`, {
          name: `${settings.namePrefix}/${service}/database-url`,
          description: `DATABASE_URL of the ${service} service`,
          recoveryWindowInDays: settings.deletionProtection ? 30 : 0,
        }, parent);
        new aws.secretsmanager.SecretVersion(`${name}-${service}-url`, {
          secretId: secret.id,
          // RDS requires TLS; `no-verify` encrypts without shipping the RDS CA bundle in the images (see infra/README.md).
          secretString: pulumi.interpolate`postgresql://bookstore:${password.result}@${instance.address}:${instance.port}/${services[service].database}?sslmode=no-verify`,
        }, parent);
        this.urlSecrets[service] = secret;
      }
    }
    this.registerOutputs({});
  }
}
