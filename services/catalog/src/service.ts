import { createHttpApp, createInfrastructure, type Logger, type Service, type ServiceConfig } from '@bookstore/kit';
import { catalogRoutes } from './api/routes';
import { createCatalogDb } from './infrastructure/database';
import { catalogEventHandlers } from './integration/handlers';

/** The composition root of Catalog: its API, its event consumer and its outbox relay over one database. */
export function createCatalogService(config: ServiceConfig, logger?: Logger): Service {
  const infrastructure = createInfrastructure('catalog', config, logger);
  const db = createCatalogDb(infrastructure.pool);
  return {
    logger: infrastructure.logger,
    http: createHttpApp({ logger: infrastructure.logger, routes: catalogRoutes(db, config.adminToken), readiness: infrastructure.readiness }),
    tasks: [infrastructure.relay, infrastructure.consumer(catalogEventHandlers(db))],
    close: () => infrastructure.close(db),
  };
}
