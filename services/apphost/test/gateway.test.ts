import { mkdtemp } from 'node:fs/promises';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { listen } from '@bookstore/kit';
import express from 'express';
import { createGateway } from '../src/gateway';
import { builtApp, describeApiReference, describePagePolicy, writeBuiltApp } from './support/page-policy';

/** The gateway routes like the ALB: service prefixes to services, everything else to the app. */
describe('the gateway', () => {
  const servers: Server[] = [];
  let gateway: string;

  beforeAll(async () => {
    const echo = (name: string) => {
      const app = express();
      app.use((req, res) => {
        res.json({ service: name, path: req.originalUrl, ...(req.path.endsWith('/big') ? { books: Array.from({ length: 50 }, (_, i) => ({ id: i, title: `Book ${i}` })) } : {}) });
      });
      return listen(app, 0);
    };
    const backends = await Promise.all(['catalog', 'orders', 'payments'].map(echo));
    servers.push(...backends);
    const url = (server: Server) => `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const staticDir = await mkdtemp(path.join(os.tmpdir(), 'gateway-'));
    writeBuiltApp(staticDir);
    const [catalog, orders, payments] = backends as [Server, Server, Server];
    const server = await listen(createGateway({ catalog: url(catalog), orders: url(orders), payments: url(payments) }, { staticDir }), 0);
    servers.push(server);
    gateway = url(server);
  });
  afterAll(() => Promise.all(servers.map((server) => new Promise((done) => server.close(done)))));

  it.each([
    ['/api/catalog/books?q=dune', 'catalog'],
    ['/api/catalog', 'catalog'],
    ['/api/orders/123', 'orders'],
    ['/api/payments/methods', 'payments'],
  ])('sends %s, path unchanged, to %s', async (requestPath, service) => {
    expect(await (await fetch(`${gateway}${requestPath}`)).json()).toEqual({ service, path: requestPath });
  });

  it.each(['/', '/cart', '/orders/123', '/api-docs'])('serves the app for %s', async (requestPath) => {
    const response = await fetch(`${gateway}${requestPath}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(builtApp.index);
  });

  it.each(['/api/nope', '/api/catalogue/books', '/api/docs/nope'])('answers %s, which no service owns, with a JSON 404', async (requestPath) => {
    const response = await fetch(`${gateway}${requestPath}`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'route_not_found', message: `no route for GET ${requestPath}` } });
  });

  describePagePolicy(() => gateway, '/api/catalog/books/big');
  describeApiReference(() => gateway);
});
