import express, { type RequestHandler, type Router } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logger';
import { errorHandler, HttpError, unknownRoute } from './errors';
import { healthRoutes, type ReadinessCheck } from './health';
import { openApiDocument } from './openapi';
import { openApiPath, type ServiceApi } from './operation';
import { limitClients, trustProxy, type ClientSettings } from './rate-limit';
import { requestId, traceRequests } from './tracing';

export interface HttpAppOptions {
  logger: Logger;
  routes: Router;
  readiness: ReadinessCheck[];
  /** The operations `routes` serve: their OpenAPI document is served at openApiPath(service). */
  api?: ServiceApi;
  /** Who the client is (the proxies in front, TRUSTED_PROXY_HOPS) and the operations' per-client limits (RATE_LIMIT*). */
  clients: ClientSettings;
}

/** Request bodies are small JSON documents; anything bigger is a mistake or an attack. */
const bodyLimit = '16kb';

/** The shared defaults of every service's HTTP API: logging, health, JSON bodies, uniform errors. */
export function createHttpApp({ logger, routes, readiness, api, clients }: HttpAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // req.ip is the address the outermost of our proxies saw, whatever X-Forwarded-For the client sent (rate-limit.ts).
  app.set('trust proxy', trustProxy(clients.trustedProxyHops));
  app.use(apiSecurityHeaders);
  // Health checks (every few seconds, from the load balancer and the container) are neither traced nor logged.
  app.use(healthRoutes(logger, readiness));
  app.use(traceRequests);
  app.use(
    pinoHttp({
      logger,
      genReqId: requestId,
      // One short line per request; headers stay out of the logs (they carry tokens).
      serializers: { req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }), res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }) },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    }),
  );

  if (api) limitClients(app, api, clients, logger);
  app.use(requireJsonBody, express.json({ limit: bodyLimit, strict: true }), rejectUnstorableText);
  if (api) {
    const document = openApiDocument(api);
    app.get(openApiPath(api.service), (_req, res) => void res.json(document));
  }
  app.use(routes);
  app.use(unknownRoute);
  app.use(errorHandler(logger));
  return app;
}

/**
 * helmet's headers for an API that answers only JSON: nosniff, a CSP that lets an answer opened in a browser
 * load and frame nothing, no Referer, and nothing naming the framework (x-powered-by is off above). HSTS is
 * the page's business (the ALB terminates TLS; see frontend/web-policy.ts), not each service's.
 */
const apiSecurityHeaders = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  strictTransportSecurity: false,
  referrerPolicy: { policy: 'no-referrer' },
});

/** A request with a body must say it is JSON; anything else would silently arrive as an empty body. */
const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json')) {
    throw new HttpError(415, 'unsupported_media_type', 'send the request body as application/json');
  }
  next();
};

/**
 * Text PostgreSQL cannot store as it was sent: U+0000 (a query carrying one fails deep in the driver) and
 * lone UTF-16 surrogates (they would be stored silently replaced by U+FFFD). No input of ours has a use for
 * either, so such a field is refused at the door like any other invalid field.
 */
const rejectUnstorableText: RequestHandler = (req, _res, next) => {
  const path = pathOfUnstorableText(req.body, 'body') ?? pathOfUnstorableText(req.query, 'query');
  if (path) {
    throw new HttpError(400, 'validation_failed', 'the request contains text that cannot be stored', {
      issues: [{ path, code: 'invalid_characters', message: 'NUL characters and lone UTF-16 surrogates are not allowed' }],
    });
  }
  next();
};

function pathOfUnstorableText(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') || !value.isWellFormed() ? path : undefined;
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = pathOfUnstorableText(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}
