import { longestRedeliverySeconds } from '@bookstore/events/topology';
import { z } from 'zod';

/** At most `limit` requests from one client per `windowMs` (kit/src/http/rate-limit.ts). */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

const windowUnitsMs = { s: 1_000, m: 60_000, h: 3_600_000 } as const;
/** The longest window: the limiter's memory store keeps a client's count for one window, in the process. */
const longestWindowMs = 24 * windowUnitsMs.h;

/** `<requests>/<window>` with the window in s, m or h, e.g. `10/15m`; undefined for anything else. */
export function parseRateLimit(text: string): RateLimit | undefined {
  const match = /^([1-9]\d{0,5})\/([1-9]\d{0,4})([smh])$/.exec(text);
  if (!match) return undefined;
  const windowMs = Number(match[2]) * windowUnitsMs[match[3] as keyof typeof windowUnitsMs];
  return windowMs <= longestWindowMs ? { limit: Number(match[1]), windowMs } : undefined;
}

/** A per-client limit as an environment variable sets it: validated here, turned into a RateLimit by parseRateLimit. */
const rateLimitSetting = z.string().refine((text) => parseRateLimit(text) !== undefined, {
  message: 'write <requests>/<window>, e.g. 10/15m: at least 1 request, per a window of s, m or h of at most 24h',
});

/** Connections a service process opens to its database when DATABASE_POOL_SIZE is not set. */
export const defaultPoolSize = 10;

/** Published outbox events are kept a week (`npm run ops -- order <id>` shows an order's journey from them). */
export const defaultOutboxRetentionSeconds = 7 * 24 * 3600;
/** A handled event's id is kept as long as the event can still come back (see the topology), and a day more. */
export const defaultInboxRetentionSeconds = longestRedeliverySeconds + 24 * 3600;
export const defaultRetentionIntervalSeconds = 600;

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
  /** How long the worker keeps a published outbox event before deleting it. */
  OUTBOX_RETENTION_SECONDS: z.coerce.number().int().min(1).default(defaultOutboxRetentionSeconds),
  /**
   * How long the worker keeps the id of a handled event (the inbox, processed_events), which makes a redelivery of
   * it change nothing: shorter than the longest redelivery (the worker warns) only for tests and the benchmark.
   */
  INBOX_RETENTION_SECONDS: z.coerce.number().int().min(1).default(defaultInboxRetentionSeconds),
  /** How often the worker deletes the rows past their retention (at most daily; the first run soon after it starts). */
  RETENTION_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(24 * 3600).default(defaultRetentionIntervalSeconds),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The CloudWatch namespace of the saga's metrics, written into the log (telemetry/emf.ts); unset writes none. */
  METRICS_NAMESPACE: z.string().min(1).optional(),
  /**
   * How many proxies in front of the API append the client's address to X-Forwarded-For: Express trusts exactly
   * that many entries from the right (its 'trust proxy' setting), so addresses a client wrote there itself are
   * never believed. 1 for every layout: the ALB in AWS, nginx in the compose stack, the gateway of `npm start`.
   * 0 for an API that clients reach directly.
   */
  TRUSTED_PROXY_HOPS: z
    .string()
    .regex(/^(?:\d|10)$/, 'TRUSTED_PROXY_HOPS must be a whole number of proxies from 0 to 10')
    .default('1')
    .transform(Number),
  /** `off` lifts every per-client rate limit: for the benchmark, the chaos run and other load tests. */
  RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  /**
   * Card registrations (POST /api/payments/methods) per client address: a shopper registers a card once per
   * checkout, a few times after typos or a declined card; a card tester needs thousands.
   */
  RATE_LIMIT_PAYMENT_METHODS: rateLimitSetting.default('10/15m'),
  /** Orders placed (POST /api/orders) per client address: a shopper places one per checkout, retries included. */
  RATE_LIMIT_ORDERS: rateLimitSetting.default('20/15m'),
});

/** Parses the environment against a schema and fails with every problem listed, instead of the first one. */
export function readEnvironment<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new Error(`invalid configuration:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}
