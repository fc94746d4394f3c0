import {
  createHttpApp,
  createInfrastructure,
  readEnvironment,
  serviceConfigFromEnvironment,
  type Logger,
  type Service,
  type ServiceConfig,
  type ServiceDefinition,
} from '@bookstore/kit';
import type pg from 'pg';
import { z } from 'zod';
import { paymentsApi } from './api/operations';
import { paymentsRoutes } from './api/routes';
import type { PaymentProvider } from './application/provider';
import { createPaymentsDb } from './infrastructure/database';
import { simulatedProvider, type SimulatedProviderOptions } from './infrastructure/simulated-provider';
import { paymentsEventHandlers } from './integration/handlers';

export const migrationsDir = `${__dirname}/../prisma/migrations`;

/** Payments' own settings, beyond the ones every service reads (kit's serviceEnvironment). */
export const paymentsEnvironment = z.object({
  /** How long the simulated card provider takes to answer each charge and refund: to rehearse a slow provider. */
  SIMULATED_PROVIDER_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
});

export function simulatedProviderSettingsFromEnvironment(env: NodeJS.ProcessEnv = process.env): SimulatedProviderOptions {
  return { latencyMs: readEnvironment(paymentsEnvironment, env).SIMULATED_PROVIDER_LATENCY_MS };
}

/** The card provider Payments charges through, given the pool of Payments' database (where the simulated one keeps its records). */
export type ProviderFactory = (pool: pg.Pool) => PaymentProvider;

/** The composition root of Payments: its API, its event consumer and its outbox relay over one database. */
export function createPaymentsService(config: ServiceConfig, logger?: Logger, providerOf: ProviderFactory = (pool) => simulatedProvider(pool)): Service {
  const infrastructure = createInfrastructure('payments', config, logger);
  const db = createPaymentsDb(infrastructure.pool, infrastructure.dispatcher);
  const provider = providerOf(infrastructure.pool);
  return {
    logger: infrastructure.logger,
    http: createHttpApp({ logger: infrastructure.logger, routes: paymentsRoutes(db, provider, config.adminToken), readiness: infrastructure.readiness, api: paymentsApi, clients: config.clients }),
    readiness: infrastructure.readiness,
    // Each event on its own, never a batch in one shared transaction: the handlers call the provider between two
    // statements that commit on their own, so that no lock is held while it thinks; a shared transaction would hold
    // the batch's locks across every call.
    tasks: [infrastructure.relay, infrastructure.consumer(paymentsEventHandlers(db, provider)), ...infrastructure.reporters, infrastructure.retention()],
    close: () => infrastructure.close(db),
  };
}

/** How the container's entrypoint and the apphost start Payments: from the same environment. */
export const paymentsService: ServiceDefinition = {
  name: 'payments',
  migrationsDir,
  create: (env, logger) => {
    const providerSettings = simulatedProviderSettingsFromEnvironment(env);
    return createPaymentsService(serviceConfigFromEnvironment(env), logger, (pool) => simulatedProvider(pool, providerSettings));
  },
};
