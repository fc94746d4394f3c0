import { Router } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testClients, testLogger } from '../testing';
import { createHttpApp } from './app';

/** Every service's API answers with nosniff and without naming its framework, whatever the answer is. */
describe('the security headers of every API', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const routes = Router()
      .get('/thing', (_req, res) => void res.json({ ok: true }))
      .get('/boom', () => {
        throw new Error('boom');
      });
    server = createHttpApp({ logger: testLogger(), routes, readiness: [], clients: testClients }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it.each([
    ['an answer', '/thing', 200],
    ['a health check', '/healthz', 200],
    ['an unknown route', '/nope', 404],
    ['an error', '/boom', 500],
  ])('%s (%s) carries nosniff, a CSP that loads nothing, no framework name and no HSTS', async (_what, path, status) => {
    const response = await fetch(`${url}${path}`);
    expect(response.status).toBe(status);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('strict-transport-security')).toBeNull();
    expect([...response.headers.values()].join('\n')).not.toMatch(/express/i);
  });

  it("answers with a request id: the caller's X-Request-Id when it is printable and short, a new one otherwise", async () => {
    const idOf = async (given?: string) =>
      (await fetch(`${url}/thing`, { headers: given === undefined ? {} : { 'x-request-id': given } })).headers.get('x-request-id');
    expect(await idOf('req-42')).toBe('req-42');
    const generated = [await idOf(), await idOf()];
    expect(generated[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated[0]).not.toBe(generated[1]);
    expect(await idOf('has spaces')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await idOf('x'.repeat(201))).toMatch(/^[0-9a-f-]{36}$/);
  });
});
