import * as pulumi from '@pulumi/pulumi';

export type DatabaseLayout = 'instance-per-service' | 'shared-instance';

/** Everything a stack can set in Pulumi.<stack>.yaml; production and development differ only here. */
export interface StackSettings {
  environment: string;
  /** Prefixes every resource name, and every topic and queue name (`bookstore-prod-orders-queue`). */
  namePrefix: string;
  vpcCidr: string;
  availabilityZones: number;
  /** One NAT gateway per availability zone (survives an AZ outage) or one for all (cheaper). */
  natGatewayPerZone: boolean;
  databaseLayout: DatabaseLayout;
  databaseInstanceClass: string;
  databaseEngineVersion: string;
  multiAz: boolean;
  /** RDS deletion protection, Pulumi's `protect` on the instances, and ECR repositories kept with their images. */
  deletionProtection: boolean;
  /**
   * What a teardown leaves behind: a final snapshot and the automated backups of each database, secrets for a
   * 30-day recovery window. Separate from deletionProtection, which a teardown must lift first.
   */
  keepDataOnDelete: boolean;
  backupRetentionDays: number;
  logRetentionDays: number;
  /**
   * Forces a new deployment of every ECS service when changed, even with the same images and task
   * definitions: the way to retry a failed rollout (`pulumi up -c bookstore:redeployment=$(date +%s)`).
   */
  redeployment: string;
  /** An ACM certificate for the ALB; with it the ALB serves HTTPS and redirects HTTP. */
  certificateArn?: string;
  /** Where alarms are sent by email; without it alarms go only to the alarm topic. */
  alarmEmail?: string;
  apiTasks: { min: number; max: number };
  workerTasks: { min: number; max: number };
  /**
   * The alarm on the saga's p99 from placed to CONFIRMED pages above this. Well under Orders' deadline (120 s), after which
   * an order is cancelled, so that on-call hears of a slow saga before shoppers see cancellations.
   */
  placedToConfirmedP99Seconds: number;
  /**
   * The WAF's rate limits per client IP (src/firewall.ts), across all tasks: all requests per 5 minutes, and the writes card
   * testers and order spammers go for (registering a card, placing an order) per 10 minutes. AWS WAF accepts 10 at least.
   */
  waf: { requestsPer5Minutes: number; orderWritesPer10Minutes: number };
}

export function readSettings(config = new pulumi.Config('bookstore')): StackSettings {
  const environment = config.require('environment');
  const production = environment === 'prod';
  return {
    environment,
    namePrefix: `bookstore-${environment}`,
    vpcCidr: config.get('vpcCidr') ?? '10.0.0.0/16',
    availabilityZones: config.getNumber('availabilityZones') ?? 2,
    natGatewayPerZone: config.getBoolean('natGatewayPerZone') ?? production,
    databaseLayout: (config.get('databaseLayout') as DatabaseLayout | undefined) ?? (production ? 'instance-per-service' : 'shared-instance'),
    databaseInstanceClass: config.get('databaseInstanceClass') ?? (production ? 'db.t4g.medium' : 'db.t4g.micro'),
    // The same major as the embedded PostgreSQL that `npm start` and the tests run.
    databaseEngineVersion: config.get('databaseEngineVersion') ?? '17',
    multiAz: config.getBoolean('multiAz') ?? production,
    deletionProtection: config.getBoolean('deletionProtection') ?? production,
    keepDataOnDelete: config.getBoolean('keepDataOnDelete') ?? production,
    backupRetentionDays: config.getNumber('backupRetentionDays') ?? (production ? 14 : 1),
    logRetentionDays: config.getNumber('logRetentionDays') ?? (production ? 90 : 14),
    redeployment: config.get('redeployment') ?? 'initial',
    certificateArn: config.get('certificateArn'),
    alarmEmail: config.get('alarmEmail'),
    apiTasks: { min: config.getNumber('apiMinTasks') ?? (production ? 2 : 1), max: config.getNumber('apiMaxTasks') ?? (production ? 10 : 2) },
    workerTasks: { min: config.getNumber('workerMinTasks') ?? 1, max: config.getNumber('workerMaxTasks') ?? (production ? 10 : 2) },
    placedToConfirmedP99Seconds: config.getNumber('placedToConfirmedP99Seconds') ?? 5,
    waf: {
      // About 10 a second for 5 minutes: a shopper's first visit is a dozen requests (page, scripts, styles, API calls), an
      // order's status page polls at most twice a second, and one address can be a whole office or a mobile carrier's NAT.
      requestsPer5Minutes: wafLimit(config, 'wafRequestsPer5Minutes', 3_000),
      // What the services allow one address per task, per 15 minutes (10 card registrations and 20 orders, RATE_LIMIT_* in
      // services/kit/src/config.ts), here for the whole fleet: a checkout is two writes (a card, then the order), a declined
      // card and a retry four to six. 20 in 10 minutes is their sum, 30 in 15, however many tasks run.
      orderWritesPer10Minutes: wafLimit(config, 'wafOrderWritesPer10Minutes', 20),
    },
  };
}

/** AWS WAF's lowest rate limit (AWS WAF Developer Guide, "Rate-based rule high-level settings"). */
export const minimumRateLimit = 10;

function wafLimit(config: pulumi.Config, key: string, fallback: number): number {
  const value = config.getNumber(key) ?? fallback;
  if (!Number.isInteger(value) || value < minimumRateLimit) {
    throw new Error(`bookstore:${key} must be a whole number of requests, at least ${minimumRateLimit} (AWS WAF's minimum), not ${value}`);
  }
  return value;
}

/**
 * The image tag to deploy (the pipeline sets it to the commit, see scripts/deploy). Required, with no
 * default: a `pulumi up` that silently fell back to some tag would roll every service to images nobody chose.
 */
export function readImageTag(config = new pulumi.Config('bookstore')): string {
  const imageTag = config.get('imageTag');
  if (!imageTag) {
    throw new Error(
      'bookstore:imageTag is not set. Deploy through scripts/deploy/deploy.sh, or keep the images that run now with ' +
        '`pulumi up -c bookstore:imageTag=$(pulumi stack output imageTag)` (infra/README.md, "Deploying").',
    );
  }
  return imageTag;
}
