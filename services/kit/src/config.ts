import { z } from 'zod';

/** Settings every service reads from its environment. Each service extends this with its own. */
export const serviceEnvironment = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  /** An emulator or LocalStack endpoint; unset means AWS itself. */
  AWS_ENDPOINT_URL: z.url().optional(),
  AWS_REGION: z.string().default('us-east-1'),
  /** Prefix of every topic and queue name, to keep environments apart (for example `bookstore-prod-`). */
  TOPOLOGY_PREFIX: z.string().default(''),
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters'),
  /** SQS long-poll wait: longer means fewer empty receives, shorter means a quicker graceful stop. */
  SQS_WAIT_TIME_SECONDS: z.coerce.number().int().min(1).max(20).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Parses the environment against a schema and fails with every problem listed, instead of the first one. */
export function readEnvironment<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new Error(`invalid configuration:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}
