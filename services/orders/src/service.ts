import {
  createHttpApp,
  createInfrastructure,
  metricsIntervalMs,
  periodic,
  readEnvironment,
  serviceConfigFromEnvironment,
  type BackgroundTask,
  type Logger,
  type Service,
  type ServiceConfig,
  type ServiceDefinition,
  type ServiceInfrastructure,
} from '@bookstore/kit';
import { z } from 'zod';
import { ordersApi } from './api/operations';
import { ordersRoutes } from './api/routes';
import { cancelOverdueOrders } from './application/cancel-overdue-orders';
import { reportSagaMetrics } from './application/report-saga-metrics';
import { createOrdersDb } from './infrastructure/database';
import { ordersEventHandlers } from './integration/handlers';

export const migrationsDir = `${__dirname}/../prisma/migrations`;

/** Orders' own settings, beyond the ones every service reads (kit's serviceEnvironment). */
export const ordersEnvironment = z.object({
  /** A still-pending order is cancelled (reason timeout) this long after it was placed. */
  ORDER_DEADLINE_SECONDS: z.coerce.number().int().min(1).default(120),
  /** How often the worker looks for overdue orders. */
  ORDER_DEADLINE_SWEEP_MS: z.coerce.number().int().min(100).default(5_000),
});

export interface OrdersSettings {
  deadlineSeconds: number;
  deadlineSweepMs: number;
}

export function ordersSettingsFromEnvironment(env: NodeJS.ProcessEnv = process.env): OrdersSettings {
  const { ORDER_DEADLINE_SECONDS, ORDER_DEADLINE_SWEEP_MS } = readEnvironment(ordersEnvironment, env);
  return { deadlineSeconds: ORDER_DEADLINE_SECONDS, deadlineSweepMs: ORDER_DEADLINE_SWEEP_MS };
}

/** The composition root of Orders: its API, its event consumer, the deadline sweep and its outbox relay. */
export function createOrdersService(config: ServiceConfig, settings: OrdersSettings, logger?: Logger): Service {
  const infrastructure = createInfrastructure('orders', config, logger);
  const db = createOrdersDb(infrastructure.pool, infrastructure.dispatcher);
  const routes = ordersRoutes(db, { adminToken: config.adminToken, deadlineSeconds: settings.deadlineSeconds });
  return {
    logger: infrastructure.logger,
    http: createHttpApp({ logger: infrastructure.logger, routes, readiness: infrastructure.readiness, api: ordersApi }),
    readiness: infrastructure.readiness,
    tasks: [
      infrastructure.relay,
      infrastructure.consumer(ordersEventHandlers(db), { handleBatchesTogether: true }),
      periodic('order-deadline', settings.deadlineSweepMs, () => cancelOverdueOrders(db), infrastructure.logger),
      ...infrastructure.reporters,
      ...sagaReporters(infrastructure),
    ],
    close: () => infrastructure.close(db),
  };
}

/** The saga's metrics, reported by the worker (each decision once, however many workers run); none without metrics. */
function sagaReporters({ metrics, pool, logger }: ServiceInfrastructure): BackgroundTask[] {
  if (!metrics.enabled) return [];
  // A report younger than nine tenths of the interval is another worker's: this one skips its turn.
  return [periodic('saga-metrics', metricsIntervalMs, () => reportSagaMetrics(pool, metrics, metricsIntervalMs * 0.9), logger)];
}

/** How the container's entrypoint and the apphost start Orders: from the same environment. */
export const ordersService: ServiceDefinition = {
  name: 'orders',
  migrationsDir,
  create: (env, logger) => createOrdersService(serviceConfigFromEnvironment(env), ordersSettingsFromEnvironment(env), logger),
};
