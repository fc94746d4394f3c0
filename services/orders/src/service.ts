import {
  createHttpApp,
  createInfrastructure,
  metricsIntervalMs,
  periodic,
  readEnvironment,
  serviceConfigFromEnvironment,
  type BackgroundTask,
  type Logger,
  type RetainedTable,
  type Service,
  type ServiceConfig,
  type ServiceDefinition,
  type ServiceInfrastructure,
} from '@bookstore/kit';
import { z } from 'zod';
import { ordersApi } from './api/operations';
import { ordersRoutes } from './api/routes';
import { orderAccessTokens } from './application/access-token';
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
  /**
   * How long an Idempotency-Key of POST /api/orders is remembered: a retry with it within that time gets the first
   * answer; after it, the key is deleted (by the worker's retention job) and would place a new order.
   */
  IDEMPOTENCY_KEY_RETENTION_SECONDS: z.coerce.number().int().min(1).default(24 * 3600),
  /**
   * The server key each order's access token is derived from (application/access-token.ts): Secrets Manager in AWS,
   * kept in DATA_DIR by `npm start`. Replacing it makes every order link handed out before useless.
   */
  ORDER_TOKEN_KEY: z.string().min(32, 'ORDER_TOKEN_KEY must be at least 32 characters'),
});

export interface OrdersSettings {
  deadlineSeconds: number;
  deadlineSweepMs: number;
  idempotencyKeyRetentionSeconds: number;
  tokenKey: string;
}

export function ordersSettingsFromEnvironment(env: NodeJS.ProcessEnv = process.env): OrdersSettings {
  const settings = readEnvironment(ordersEnvironment, env);
  return {
    deadlineSeconds: settings.ORDER_DEADLINE_SECONDS,
    deadlineSweepMs: settings.ORDER_DEADLINE_SWEEP_MS,
    idempotencyKeyRetentionSeconds: settings.IDEMPOTENCY_KEY_RETENTION_SECONDS,
    tokenKey: settings.ORDER_TOKEN_KEY,
  };
}

/** The composition root of Orders: its API, its event consumer, the deadline sweep and its outbox relay. */
export function createOrdersService(config: ServiceConfig, settings: OrdersSettings, logger?: Logger): Service {
  const infrastructure = createInfrastructure('orders', config, logger);
  const db = createOrdersDb(infrastructure.pool, infrastructure.dispatcher);
  const accessTokens = orderAccessTokens(settings.tokenKey);
  const routes = ordersRoutes(db, { adminToken: config.adminToken, deadlineSeconds: settings.deadlineSeconds, accessTokens });
  return {
    logger: infrastructure.logger,
    http: createHttpApp({ logger: infrastructure.logger, routes, readiness: infrastructure.readiness, api: ordersApi, clients: config.clients }),
    readiness: infrastructure.readiness,
    tasks: [
      infrastructure.relay,
      infrastructure.consumer(ordersEventHandlers(db), { handleBatchesTogether: true }),
      periodic('order-deadline', settings.deadlineSweepMs, () => cancelOverdueOrders(db), infrastructure.logger),
      ...infrastructure.reporters,
      ...sagaReporters(infrastructure),
      infrastructure.retention(idempotencyKeys(settings.idempotencyKeyRetentionSeconds)),
    ],
    close: () => infrastructure.close(db),
  };
}

/** The Idempotency-Keys of placed orders past their retention, which the worker's retention job deletes. */
export function idempotencyKeys(retentionSeconds: number): RetainedTable {
  return { table: 'idempotency_keys', key: 'key', olderThan: ['created_at'], retentionSeconds };
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
