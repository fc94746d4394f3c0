/**
 * The `npm start` layout for the benchmark, run in a process of its own by one-process.ts: the whole system in one
 * process (apphost's stack.ts), on the benchmark's PostgreSQL and emulator, so that its CPU is measured apart from
 * the load driver's. Logs JSON lines, the last of start-up carrying its addresses.
 */
import { startStack } from '@bookstore/apphost';
import { createLogger, readEnvironment, serviceEnvironment, stopOnSignals } from '@bookstore/kit';
import { z } from 'zod';

const settings = readEnvironment(
  z.object({
    POSTGRES_URL: serviceEnvironment.shape.DATABASE_URL,
    AWS_ENDPOINT_URL: z.url(),
    ADMIN_TOKEN: serviceEnvironment.shape.ADMIN_TOKEN,
    TOPOLOGY_PREFIX: serviceEnvironment.shape.TOPOLOGY_PREFIX,
    DATABASE_SUFFIX: z.string(),
    /** More environment for every service, as JSON (one-process.ts). */
    SERVICE_ENV: z
      .string()
      .default('{}')
      .transform((text) => z.record(z.string(), z.string()).parse(JSON.parse(text))),
  }),
);
const logger = createLogger('bench-one-process', { level: 'info' });

startStack({
  postgresUrl: settings.POSTGRES_URL,
  awsEndpoint: settings.AWS_ENDPOINT_URL,
  adminToken: settings.ADMIN_TOKEN,
  topologyPrefix: settings.TOPOLOGY_PREFIX,
  databaseSuffix: settings.DATABASE_SUFFIX,
  ports: { catalog: 0, orders: 0, payments: 0, gateway: 0 },
  frontend: { url: 'http://127.0.0.1:9' },
  // A load test from one address: the per-client rate limits would refuse all but the first few orders.
  env: { RATE_LIMITS: 'off', ...settings.SERVICE_ENV },
  logger,
}).then(
  (stack) => {
    logger.info({ serviceUrls: stack.serviceUrls, databaseUrls: stack.databaseUrls }, 'one-process stack started');
    stopOnSignals(stack.stop, logger);
  },
  (error: unknown) => {
    logger.fatal({ err: error }, 'one-process stack failed to start');
    process.exit(1);
  },
);
