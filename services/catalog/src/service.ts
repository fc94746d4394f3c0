import { createHttpApp, createInfrastructure, serviceConfigFromEnvironment, type Logger, type Service, type ServiceConfig, type ServiceDefinition } from '@bookstore/kit';
import { catalogApi } from './api/operations';
import { catalogRoutes } from './api/routes';
import { createCatalogDb } from './infrastructure/database';
import { catalogEventHandlers } from './integration/handlers';

export const migrationsDir = `${__dirname}/../prisma/migrations`;

/** The composition root of Catalog: its API, its event consumer and its outbox relay over one database. */
export function createCatalogService(config: ServiceConfig, logger?: Logger): Service {
  const infrastructure = createInfrastructure('catalog', config, logger);
  const db = createCatalogDb(infrastructure.pool, infrastructure.dispatcher);
  return {
    logger: infrastructure.logger,
    http: createHttpApp({ logger: infrastructure.logger, routes: catalogRoutes(db, config.adminToken), readiness: infrastructure.readiness, api: catalogApi, clients: config.clients }),
    readiness: infrastructure.readiness,
    tasks: [
      infrastructure.relay,
      infrastructure.consumer(catalogEventHandlers(db), { handleBatchesTogether: true }),
      ...infrastructure.reporters,
      infrastructure.retention(),
    ],
    close: () => infrastructure.close(db),
  };
}

/** How the container's entrypoint and the apphost start Catalog: from the same environment. */
export const catalogService: ServiceDefinition = {
  name: 'catalog',
  migrationsDir,
  create: (env, logger) => createCatalogService(serviceConfigFromEnvironment(env), logger),
};
