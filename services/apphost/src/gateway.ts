import type { Server } from 'node:http';
import { healthPaths, routeFor, type ServiceName } from '@bookstore/kit';
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';

/**
 * The local stand-in for the ALB: routes by path prefix from the same routing table the infrastructure
 * uses, passes the path on unchanged, and sends everything else to the frontend.
 */
export function createGateway(targets: Record<ServiceName | 'frontend', string>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get(healthPaths.live, (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(
    createProxyMiddleware({
      target: targets.frontend,
      router: (req) => targets[routeFor(req.url ?? '/')?.service ?? 'frontend'],
      xfwd: true,
      on: {
        error: (_error, req, res) => {
          const target = routeFor(req.url ?? '/')?.service ?? 'frontend';
          if ('writeHead' in res && !res.headersSent) {
            res.writeHead(502, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: { code: 'bad_gateway', message: `the ${target} is not reachable` } }));
          }
        },
      },
    }),
  );
  return app;
}

export function listen(app: express.Express, port: number, host = '127.0.0.1'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, () => resolve(server));
    server.once('error', reject);
  });
}
