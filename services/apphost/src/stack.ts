import type { Server } from 'node:http';
import { createCatalogService, migrationsDir as catalogMigrations } from '@bookstore/catalog';
import { createAwsClients, provisionTopology, resolveTopology } from '@bookstore/events';
import {
  applyMigrations,
  ensureDatabase,
  frontend,
  runService,
  serviceNames,
  services,
  type Logger,
  type RunningService,
  type Service,
  type ServiceConfig,
  type ServiceName,
} from '@bookstore/kit';
import { createOrdersService, defaultOrdersSettings, migrationsDir as ordersMigrations, type OrdersSettings } from '@bookstore/orders';
import { createPaymentsService, migrationsDir as paymentsMigrations } from '@bookstore/payments';
import { createGateway, listen, type FrontendSource } from './gateway';

export interface StackOptions {
  /** A PostgreSQL server URL; each service gets its own database on it. */
  postgresUrl: string;
  /** SNS/SQS endpoint (emulator or LocalStack); undefined for AWS itself. */
  awsEndpoint?: string;
  awsRegion?: string;
  topologyPrefix?: string;
  adminToken: string;
  /** Appended to each service's database name, so several stacks can share one server (tests). */
  databaseSuffix?: string;
  /** Ports to listen on; 0 picks a free one. Defaults come from the routing table. */
  ports?: Partial<Record<ServiceName | 'gateway', number>>;
  /** The built shopper app to serve, or the server to proxy it from (default: the Vite dev server on its port). */
  frontend?: FrontendSource;
  orders?: Partial<OrdersSettings>;
  logger: Logger;
  /** Called as each start-up step begins, for progress output. */
  onStep?: (step: string) => void;
}

export interface Stack {
  gatewayUrl: string;
  serviceUrls: Record<ServiceName, string>;
  databaseUrls: Record<ServiceName, string>;
  running: Record<ServiceName, RunningService>;
  stop(): Promise<void>;
}

const factories: Record<ServiceName, (config: ServiceConfig, logger: Logger, options: StackOptions) => Service> = {
  catalog: (config, logger) => createCatalogService(config, logger),
  orders: (config, logger, { orders }) => createOrdersService(config, logger, { ...defaultOrdersSettings, ...orders }),
  payments: (config, logger) => createPaymentsService(config, logger),
};

const migrations: Record<ServiceName, string> = { catalog: catalogMigrations, orders: ordersMigrations, payments: paymentsMigrations };

/**
 * Wires the whole system for a local run: provisions the topology, creates and migrates each service's
 * database, starts every service with both roles (API and worker) and the gateway in front of them.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const { logger, onStep = () => undefined, ports = {}, topologyPrefix = '', awsRegion = 'us-east-1' } = options;

  onStep('provisioning topics and queues');
  await provisionTopology(createAwsClients({ endpoint: options.awsEndpoint, region: awsRegion }), resolveTopology(topologyPrefix));

  onStep('migrating databases');
  const databaseUrls = {} as Record<ServiceName, string>;
  for (const name of serviceNames) {
    databaseUrls[name] = await ensureDatabase(options.postgresUrl, `${services[name].database}${options.databaseSuffix ?? ''}`);
    await applyMigrations(databaseUrls[name], migrations[name], logger.child({ name }));
  }

  onStep('starting services');
  const running = {} as Record<ServiceName, RunningService>;
  const stopAll = async () => {
    await Promise.all(serviceNames.map((name) => running[name]?.stop()));
  };
  try {
    for (const name of serviceNames) {
      const config: ServiceConfig = {
        databaseUrl: databaseUrls[name],
        awsEndpoint: options.awsEndpoint,
        awsRegion,
        topologyPrefix,
        adminToken: options.adminToken,
        logLevel: logger.level,
      };
      const service = factories[name](config, logger.child({ name }), options);
      running[name] = await runService(service, { roles: ['api', 'worker'], port: ports[name] ?? services[name].port });
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  const serviceUrls = Object.fromEntries(serviceNames.map((name) => [name, `http://127.0.0.1:${running[name].port}`])) as Record<ServiceName, string>;

  onStep('starting the gateway');
  let gateway: Server;
  try {
    gateway = await listen(createGateway(serviceUrls, options.frontend ?? { url: `http://127.0.0.1:${frontend.port}` }), ports.gateway ?? 8080);
  } catch (error) {
    await stopAll();
    throw error;
  }
  const address = gateway.address();
  const gatewayPort = typeof address === 'object' && address ? address.port : 0;

  return {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    serviceUrls,
    databaseUrls,
    running,
    stop: async () => {
      await new Promise<void>((resolve) => {
        gateway.close(() => resolve());
        gateway.closeAllConnections();
      });
      await stopAll();
    },
  };
}
