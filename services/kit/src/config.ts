import { z } from 'zod';

/** Connections a service process opens to its database when DATABASE_POOL_SIZE is not set. */
export const defaultPoolSize = 10;

/** Settings every service reads from its environment. Each service extends this with its own. */
export const serviceEnvironment = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  /**
   * The most connections one service process opens to its database: the size of its one pg pool, which its
   * Prisma client shares. All processes' pools together must stay under the server's max_connections.
   * At least 2: the worker's outbox relay keeps one connection LISTENing.
   */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).default(defaultPoolSize),
  /** An emulator or LocalStack endpoint; unset means AWS itself. */
  AWS_ENDPOINT_URL: z.url().optional(),
  AWS_REGION: z.string().default('us-east-1'),
  /** Prefix of every topic and queue name, to keep environments apart (for example `bookstore-prod-`). */
  TOPOLOGY_PREFIX: z.string().default(''),
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters'),
  /** SQS long-poll wait; unset means the queue's (receiveWaitTimeSeconds in events/src/topology.ts). */
  SQS_WAIT_TIME_SECONDS: z.coerce.number().int().min(1).max(20).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The CloudWatch namespace of the saga's metrics, written into the log (telemetry/emf.ts); unset writes none. */
  METRICS_NAMESPACE: z.string().min(1).optional(),
});

/** Parses the environment against a schema and fails with every problem listed, instead of the first one. */
export function readEnvironment<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new Error(`invalid configuration:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}
