import { createHttpApp, createInfrastructure, periodic, serviceSettings, type Logger, type Service, type ServiceConfig } from '@bookstore/kit';
import { z } from 'zod';
import { ordersRoutes } from './api/routes';
import { cancelOverdueOrders } from './application/cancel-overdue-orders';
import { createOrdersDb } from './infrastructure/database';
import { ordersEventHandlers } from './integration/handlers';

export interface OrdersSettings {
  /** A still-pending order is cancelled (reason timeout) this long after it was placed. */
  deadlineSeconds: number;
  /** How often the worker looks for overdue orders. */
  deadlineSweepMs: number;
}

export const defaultOrdersSettings: OrdersSettings = { deadlineSeconds: 120, deadlineSweepMs: 5_000 };

export function ordersSettingsFromEnvironment(env: NodeJS.ProcessEnv = process.env): OrdersSettings {
  const { ORDER_DEADLINE_SECONDS, ORDER_DEADLINE_SWEEP_MS } = serviceSettings(
    z.object({
      ORDER_DEADLINE_SECONDS: z.coerce.number().int().min(1).default(defaultOrdersSettings.deadlineSeconds),
      ORDER_DEADLINE_SWEEP_MS: z.coerce.number().int().min(100).default(defaultOrdersSettings.deadlineSweepMs),
    }),
    env,
  );
  return { deadlineSeconds: ORDER_DEADLINE_SECONDS, deadlineSweepMs: ORDER_DEADLINE_SWEEP_MS };
}

/** The composition root of Orders: its API, its event consumer, the deadline sweep and its outbox relay. */
export function createOrdersService(config: ServiceConfig, logger?: Logger, settings = ordersSettingsFromEnvironment()): Service {
  const infrastructure = createInfrastructure('orders', config, logger);
  const db = createOrdersDb(infrastructure.pool);
  const routes = ordersRoutes(db, { adminToken: config.adminToken, deadlineSeconds: settings.deadlineSeconds });
  return {
    logger: infrastructure.logger,
    http: createHttpApp({ logger: infrastructure.logger, routes, readiness: infrastructure.readiness }),
    tasks: [
      infrastructure.relay,
      infrastructure.consumer(ordersEventHandlers(db)),
      periodic('order-deadline', settings.deadlineSweepMs, () => cancelOverdueOrders(db), infrastructure.logger),
    ],
    close: () => infrastructure.close(db),
  };
}
