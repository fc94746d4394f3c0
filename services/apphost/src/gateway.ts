import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import { healthPaths, routeFor, type ServiceName } from '@bookstore/kit';
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';

/** Where the frontend comes from: a built app to serve, or a server (the Vite dev server) to proxy to. */
export type FrontendSource = { staticDir: string } | { url: string };

/**
 * The local stand-in for the ALB: routes by path prefix from the same routing table the infrastructure
 * uses, passes the path on unchanged, and serves everything else from the frontend.
 */
export function createGateway(services: Record<ServiceName, string>, frontend: FrontendSource): express.Express {
  const app = express();
  app.disable('x-powered-by');
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
  // An /api path no service owns is a client mistake, answered as the services answer one, not with the app.
  app.use('/api', (req, res) => {
    res.status(404).json({ error: { code: 'route_not_found', message: `no route for ${req.method} ${req.originalUrl.split('?')[0]}` } });
  });
  if ('staticDir' in frontend) {
    app.use(express.static(frontend.staticDir, { index: false, maxAge: '1h' }));
    // Client-side routes (/cart, /orders/...) all load the app, which then shows the right page.
    app.get('/{*path}', (_req, res) => {
      res.set('Cache-Control', 'no-cache').sendFile(path.join(frontend.staticDir, 'index.html'));
    });
  } else {
    app.use(createProxyMiddleware({ target: frontend.url, xfwd: true, ws: true, on: { error: unreachable('frontend') } }));
  }
  return app;
}

export function listen(app: express.Express, port: number, host = '127.0.0.1'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, () => resolve(server));
    server.once('error', reject);
  });
}
