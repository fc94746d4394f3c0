import { createHttpApp, createInfrastructure, serviceConfigFromEnvironment, type Logger, type Service, type ServiceConfig, type ServiceDefinition } from '@bookstore/kit';
import { paymentsApi } from './api/operations';
import { paymentsRoutes } from './api/routes';
import type { PaymentProvider } from './application/provider';
import { createPaymentsDb } from './infrastructure/database';
import { simulatedProvider } from './infrastructure/simulated-provider';
import { paymentsEventHandlers } from './integration/handlers';

export const migrationsDir = `${__dirname}/../prisma/migrations`;

/** The composition root of Payments: its API, its event consumer and its outbox relay over one database. */
export function createPaymentsService(config: ServiceConfig, logger?: Logger, provider: PaymentProvider = simulatedProvider): Service {
  const infrastructure = createInfrastructure('payments', config, logger);
  const db = createPaymentsDb(infrastructure.pool, infrastructure.dispatcher);
  return {
    logger: infrastructure.logger,
    http: createHttpApp({ logger: infrastructure.logger, routes: paymentsRoutes(db, provider, config.adminToken), readiness: infrastructure.readiness, api: paymentsApi }),
    // Each event its own transaction until the card provider is called outside it (issue 16): a batch rolled back
    // after a charge would charge its neighbours again.
    readiness: infrastructure.readiness,
    tasks: [infrastructure.relay, infrastructure.consumer(paymentsEventHandlers(db, provider)), ...infrastructure.reporters],
    close: () => infrastructure.close(db),
  };
}

/** How the container's entrypoint and the apphost start Payments: from the same environment. */
export const paymentsService: ServiceDefinition = {
  name: 'payments',
  migrationsDir,
  create: (env, logger) => createPaymentsService(serviceConfigFromEnvironment(env), logger),
};
