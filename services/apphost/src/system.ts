import { randomBytes } from 'node:crypto';
import { catalogService } from '@bookstore/catalog';
import { createAwsClients, provisionTopology, resolveTopology } from '@bookstore/events';
import { applyMigrations, ensureDatabase, serviceNames, services, type Logger, type ServiceDefinition, type ServiceName } from '@bookstore/kit';
import { ordersService } from '@bookstore/orders';
import { paymentsService } from '@bookstore/payments';

/** The services the system is made of; each starts from its environment, in one process or in its own. */
export const serviceDefinitions: Record<ServiceName, ServiceDefinition> = { catalog: catalogService, orders: ordersService, payments: paymentsService };

/** What both local layouts are built from: everything in one process (stack.ts) or a process per role (processes.ts). */
export interface SystemOptions {
  /** A PostgreSQL server URL; each service gets its own database on it. */
  postgresUrl: string;
  /** Appended to each service's database name, so several systems can share one server (tests). */
  databaseSuffix?: string;
  /** The SNS/SQS endpoint the services use (the emulator, LocalStack, or a proxy in front of one); undefined for AWS itself. */
  awsEndpoint?: string;
  /** Where provisioning reaches SNS/SQS, when the services' address may be cut (a fault-injecting proxy). */
  provisioningEndpoint?: string;
  awsRegion?: string;
  topologyPrefix?: string;
  adminToken: string;
  /** Orders' ORDER_TOKEN_KEY; unset, one drawn for this process (its order links die with it). */
  orderTokenKey?: string;
  /** More environment for every service (LOG_LEVEL, SQS_WAIT_TIME_SECONDS, ORDER_DEADLINE_SECONDS...). */
  env?: Record<string, string>;
  logger: Logger;
  /** Called as each start-up step begins, for progress output. */
  onStep?: (step: string) => void;
}

/**
 * Gets the surroundings ready as a deployment's one-shots do: provisions the topics and queues, and creates and
 * migrates each service's database. Returns each database's URL.
 */
export async function prepareSystem(options: SystemOptions): Promise<Record<ServiceName, string>> {
  const { logger, onStep = () => undefined } = options;
  onStep('provisioning topics and queues');
  const aws = createAwsClients({ endpoint: options.provisioningEndpoint ?? options.awsEndpoint, region: options.awsRegion });
  await provisionTopology(aws, resolveTopology(options.topologyPrefix ?? ''));

  onStep('migrating databases');
  const databaseUrls = {} as Record<ServiceName, string>;
  for (const name of serviceNames) {
    databaseUrls[name] = await ensureDatabase(options.postgresUrl, `${services[name].database}${options.databaseSuffix ?? ''}`);
    await applyMigrations(databaseUrls[name], serviceDefinitions[name].migrationsDir, logger.child({ name }));
  }
  return databaseUrls;
}

/** The key a throwaway system's Orders derives access tokens with: one per process, so that restarts keep it. */
const throwawayOrderTokenKey = randomBytes(32).toString('base64url');

/** The environment a service's container would get, with its own database: each layout starts the service from it. */
export function serviceEnvironment(options: SystemOptions, name: ServiceName, databaseUrl: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    ...(options.awsEndpoint && { AWS_ENDPOINT_URL: options.awsEndpoint }),
    ...(options.awsRegion && { AWS_REGION: options.awsRegion }),
    TOPOLOGY_PREFIX: options.topologyPrefix ?? '',
    ADMIN_TOKEN: options.adminToken,
    // Only Orders gets it, as in AWS.
    ...(name === 'orders' && { ORDER_TOKEN_KEY: options.orderTokenKey ?? throwawayOrderTokenKey }),
    ...options.env,
  };
}
