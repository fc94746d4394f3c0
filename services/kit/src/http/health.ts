import express, { Router } from 'express';
import type { Logger } from '../logger';
import { healthPaths } from '../platform';
import { errorHandler, unknownRoute } from './errors';

/** A dependency `/readyz` checks; `check` throws when it is unreachable. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<unknown>;
}

/**
 * `/healthz` answers while the process lives; `/readyz` answers 503 naming each dependency it cannot reach, which
 * the ALB (for an API) and an operator (for a worker waiting on SNS/SQS or PostgreSQL) read.
 */
export function healthRoutes(logger: Logger, readiness: readonly ReadinessCheck[]): Router {
  const routes = Router();
  routes.get(healthPaths.live, (_req, res) => {
    res.json({ status: 'ok' });
  });
  routes.get(healthPaths.ready, async (_req, res) => {
    const results = await Promise.all(
      readiness.map(async ({ name, check }) => {
        try {
          await check();
          return [name, 'ok'] as const;
        } catch (error) {
          logger.warn({ err: error, dependency: name }, 'readiness check failed');
          return [name, 'unavailable'] as const;
        }
      }),
    );
    const ready = results.every(([, status]) => status === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) });
  });
  return routes;
}

/** What a worker process serves: its health and nothing else (the API's routes belong to the API's processes). */
export function createHealthApp(logger: Logger, readiness: readonly ReadinessCheck[]): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRoutes(logger, readiness));
  app.use(unknownRoute);
  app.use(errorHandler(logger));
  return app;
}
