import { createHttpApp, createInfrastructure, type Logger, type Service, type ServiceConfig } from '@bookstore/kit';
import { paymentsRoutes } from './api/routes';
import type { PaymentProvider } from './application/provider';
import { createPaymentsDb } from './infrastructure/database';
import { simulatedProvider } from './infrastructure/simulated-provider';
import { paymentsEventHandlers } from './integration/handlers';

/** The composition root of Payments: its API, its event consumer and its outbox relay over one database. */
export function createPaymentsService(config: ServiceConfig, logger?: Logger, provider: PaymentProvider = simulatedProvider): Service {
  const infrastructure = createInfrastructure('payments', config, logger);
  const db = createPaymentsDb(infrastructure.pool);
  return {
    logger: infrastructure.logger,
    http: createHttpApp({ logger: infrastructure.logger, routes: paymentsRoutes(db, provider, config.adminToken), readiness: infrastructure.readiness }),
    tasks: [infrastructure.relay, infrastructure.consumer(paymentsEventHandlers(db, provider))],
    close: () => infrastructure.close(db),
  };
}
