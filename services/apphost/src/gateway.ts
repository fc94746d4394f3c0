import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import { healthPaths, routeFor, type ServiceName } from '@bookstore/kit';
import compression from 'compression';
import express, { type RequestHandler } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import {
  apiReference,
  apiReferenceHeaders,
  cacheControl,
  compression as compressionPolicy,
  hashedAssetPrefix,
  hsts,
  securityHeaders,
} from '../../../frontend/web-policy';
import { apiReferenceConfig } from './api-reference';

/** Where the frontend comes from: a built app to serve, or a server (the Vite dev server) to proxy to. */
export type FrontendSource = { staticDir: string } | { url: string };

/**
 * The local stand-in for the ALB: routes by path prefix from the same routing table the infrastructure
 * uses, passes the path on unchanged, and serves everything else from the frontend.
 */
export function createGateway(services: Record<ServiceName, string>, frontend: FrontendSource): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // On-the-fly gzip or brotli for text answers (the APIs' JSON, index.html); the built assets go out
  // precompressed (servePrecompressed), and compression() leaves an answer that already has an encoding alone.
  app.use(
    compression({
      threshold: compressionPolicy.minBytes,
      filter: (req, res) => {
        const type = String(res.getHeader('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
        return (compressionPolicy.dynamicTypes as readonly string[]).includes(type) && compression.filter(req, res);
      },
    }),
  );
  app.get(healthPaths.live, (_req, res) => {
    res.json({ status: 'ok' });
  });
  const unreachable = (target: string) => (_error: Error, _req: IncomingMessage, res: ServerResponse | Socket) => {
    if ('writeHead' in res && !res.headersSent) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'bad_gateway', message: `the ${target} is not reachable` } }));
    }
  };
  app.use(
    createProxyMiddleware({
      pathFilter: (pathname) => routeFor(pathname) !== undefined,
      router: (req: IncomingMessage) => services[routeFor(req.url ?? '/')!.service],
      target: Object.values(services)[0],
      xfwd: true,
      on: { error: unreachable('service') },
    }),
  );
  if ('staticDir' in frontend) {
    // The API reference is a page of the frontend's build, under /api but owned by no service: before the 404 below.
    app.get(apiReference.path, policyHeaders(apiReferenceHeaders), (_req, res) => {
      res.set('Cache-Control', cacheControl.page).sendFile(path.join(frontend.staticDir, apiReference.page));
    });
    app.get(apiReference.configPath, policyHeaders(apiReferenceHeaders), (_req, res) => {
      res.set('Cache-Control', cacheControl.page).json(apiReferenceConfig);
    });
  }
  // An /api path no service owns is a client mistake, answered as the services answer one, not with the app.
  app.use('/api', (req, res) => {
    res.status(404).json({ error: { code: 'route_not_found', message: `no route for ${req.method} ${req.originalUrl.split('?')[0]}` } });
  });
  if ('staticDir' in frontend) {
    // The page's policy (web-policy.ts, which nginx's config is generated from too). Not for the Vite dev
    // server below: its hot reloading needs inline script.
    app.use(policyHeaders(securityHeaders));
    app.use(hashedAssetPrefix, servePrecompressed(path.join(frontend.staticDir, hashedAssetPrefix)));
    app.use(
      express.static(frontend.staticDir, {
        index: false,
        setHeaders: (res, file) => {
          const hashed = path.relative(frontend.staticDir, file).startsWith(hashedAssetPrefix.slice(1));
          res.setHeader('Cache-Control', hashed ? cacheControl.hashedAsset : cacheControl.other);
        },
      }),
    );
    // A missing asset is a 404, not the app (a stale page asking for an old bundle must not get HTML).
    app.use(hashedAssetPrefix, (_req, res) => {
      res.status(404).type('text/plain').send('Not found');
    });
    // Client-side routes (/cart, /orders/...) all load the app, which then shows the right page.
    app.get('/{*path}', (_req, res) => {
      res.set('Cache-Control', cacheControl.page).sendFile(path.join(frontend.staticDir, 'index.html'));
    });
  } else {
    app.use(createProxyMiddleware({ target: frontend.url, xfwd: true, ws: true, on: { error: unreachable('frontend') } }));
  }
  return app;
}

/** Security headers of web-policy.ts (the page's or the API reference's), and HSTS when the request came over HTTPS (the ALB says so). */
const policyHeaders = (headers: Readonly<Record<string, string>>): RequestHandler => (req, res, next) => {
  res.set(headers);
  const proto = String(req.get('x-forwarded-proto') ?? '').split(',')[0]!.trim().toLowerCase();
  if (req.secure || proto === hsts.forwardedProto) res.set(hsts.header, hsts.value);
  next();
};

/** The files the Vite build writes beside a text asset, by encoding, in order of preference. */
const precompressedFiles = { br: '.br', gzip: '.gz' } as const;

/**
 * Sends the `.br` (else `.gz`) file the Vite build wrote beside a text asset, when the browser accepts that
 * encoding; otherwise passes on to express.static, which sends the file as it is.
 */
function servePrecompressed(assetsDir: string): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const relative = decodeURIComponent(req.path).replace(/^\/+/, '');
    const type = compressionPolicy.precompressed[path.extname(relative).slice(1)];
    const file = path.join(assetsDir, relative);
    if (!type || !file.startsWith(assetsDir) || !existsSync(file)) return next();
    res.vary('Accept-Encoding');
    const written = Object.entries(precompressedFiles).filter(([, ext]) => existsSync(file + ext)).map(([name]) => name);
    // Express's own Accept-Encoding negotiation (q-values, `br;q=0`, `*`); br first when the browser rates both alike.
    const encoding = written.length > 0 ? req.acceptsEncodings(written) : false;
    if (!encoding || encoding === 'identity') return next();
    res.set({ 'Content-Type': type, 'Content-Encoding': encoding, 'Cache-Control': cacheControl.hashedAsset });
    res.sendFile(file + precompressedFiles[encoding as keyof typeof precompressedFiles], { headers: { 'Content-Type': type }, cacheControl: false }, (error) => error && next(error));
  };
}
