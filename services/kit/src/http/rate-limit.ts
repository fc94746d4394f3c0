import type express from 'express';
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { z } from 'zod';
import { parseRateLimit, type RateLimit, type serviceEnvironment } from '../config';
import type { Logger } from '../logger';
import { HttpError } from './errors';
import { expressPath, type ServiceApi } from './operation';

/**
 * The per-client limits an operation may declare (ApiOperation.rateLimit). Each is set by its own environment variable
 * (kit's serviceEnvironment), names its policy in the RateLimit headers, and says what the client did too often.
 */
export const rateLimits = {
  paymentMethods: { variable: 'RATE_LIMIT_PAYMENT_METHODS', policy: 'payment-methods', what: 'card registrations' },
  orders: { variable: 'RATE_LIMIT_ORDERS', policy: 'orders', what: 'orders' },
} as const;

export type RateLimitName = keyof typeof rateLimits;

/** Who the client of a request is (its address) and how often it may call the operations that declare a limit. */
export interface ClientSettings {
  /** Proxies in front of the API that append the client's address to X-Forwarded-For (TRUSTED_PROXY_HOPS). */
  trustedProxyHops: number;
  /** Each limit (RATE_LIMIT_*), or `off` (RATE_LIMITS=off): every request goes through. */
  rateLimits: Record<RateLimitName, RateLimit> | 'off';
}

type ClientEnvironment = Pick<
  z.output<typeof serviceEnvironment>,
  'TRUSTED_PROXY_HOPS' | 'RATE_LIMITS' | (typeof rateLimits)[RateLimitName]['variable']
>;

/** The client settings of a service's parsed environment. */
export function clientSettings(env: ClientEnvironment): ClientSettings {
  const limits = Object.fromEntries(Object.entries(rateLimits).map(([name, { variable }]) => [name, parseRateLimit(env[variable])!]));
  return { trustedProxyHops: env.TRUSTED_PROXY_HOPS, rateLimits: env.RATE_LIMITS === 'off' ? 'off' : (limits as Record<RateLimitName, RateLimit>) };
}

/** The error code of a request over its limit (429). */
export const rateLimitedCode = 'rate_limited';

/**
 * Express's 'trust proxy' for `hops` proxies that each append the address they see to X-Forwarded-For: req.ip is the
 * entry `hops` places from the right (the address the outermost proxy saw), and what a client wrote to the left of it
 * is never believed. 0 trusts no header (false, not 0: express-rate-limit then warns about an X-Forwarded-For it
 * sees, the sign of a proxy nobody counted). Never `true`, which believes the left-most entry, the client's own.
 */
export function trustProxy(hops: number): number | false {
  return hops === 0 ? false : hops;
}

/**
 * Puts each declared limit in front of its operations (one count per limit, whichever of its operations is called),
 * ahead of body parsing, so that a refused request costs no more than its count. Nothing when limits are off.
 */
export function limitClients(app: express.Express, api: ServiceApi, { rateLimits: settings }: ClientSettings, logger: Logger): void {
  if (settings === 'off') return;
  const limiters = new Map<RateLimitName, RequestHandler>();
  for (const operation of Object.values(api.operations)) {
    const name = operation.rateLimit;
    if (!name) continue;
    if (!limiters.has(name)) limiters.set(name, rateLimiter(name, settings[name], logger));
    app[operation.method](expressPath(operation.path), limiters.get(name)!);
  }
}

/**
 * express-rate-limit, counting per client address (req.ip, after 'trust proxy'; an IPv6 client by its /56) in this
 * process's memory. Every answer carries the IETF draft-8 `RateLimit` and `RateLimit-Policy` headers (named
 * policies, so a client can tell limits apart; draft-7's single unnamed `RateLimit` was dropped by later drafts);
 * one over the limit answers 429 with `Retry-After` and kit's JSON error.
 */
function rateLimiter(name: RateLimitName, { limit, windowMs }: RateLimit, logger: Logger): RequestHandler {
  const { policy, what } = rateLimits[name];
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: policy,
    // Its configuration checks (trust proxy, the client's address...) report into the service's log.
    logger: {
      warn: (error: unknown, message?: string) => logger.warn({ err: error }, message ?? 'express-rate-limit warns about its configuration'),
      error: (error: unknown, message?: string) => logger.error({ err: error }, message ?? 'express-rate-limit finds its configuration wrong'),
    },
    // The standard Forwarded header is ignored on purpose: no proxy of ours writes it, so only a client could have.
    validate: { forwardedHeader: false },
    handler: (_req, res, next) => {
      const retryAfterSeconds = Number(res.getHeader('Retry-After'));
      next(
        new HttpError(
          429,
          rateLimitedCode,
          `too many ${what} from your address: at most ${limit} every ${inWords(windowMs / 1000)}; try again in ${inWords(retryAfterSeconds)}`,
          { limit, windowSeconds: windowMs / 1000, retryAfterSeconds },
        ),
      );
    },
  });
}

/** 45 seconds, 15 minutes, 2 hours: rounded up to the unit a person would say. */
function inWords(seconds: number): string {
  const [amount, unit] =
    seconds < 60 ? [seconds, 'second'] : seconds < 3600 ? [Math.ceil(seconds / 60), 'minute'] : [Math.ceil(seconds / 3600), 'hour'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}
