import { Router } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DomainError, type DomainErrorKind } from '../errors';
import { testClients, testLogger } from '../testing';
import { createHttpApp } from './app';
import { HttpError } from './errors';

/** Use cases refuse with a DomainError; the answer is exactly what an HttpError with the kind's status would give. */
describe('a use case refusing a request', () => {
  let server: Server;
  let url: string;
  const details = { bookIds: ['b1'] };
  beforeAll(async () => {
    const routes = Router()
      .get('/domain/:kind', (req) => {
        throw new DomainError(req.params.kind as DomainErrorKind, 'some_code', 'some message', details);
      })
      .get('/http/:status', (req) => {
        throw new HttpError(Number(req.params.status), 'some_code', 'some message', details);
      })
      .get('/no-details', () => {
        throw new DomainError('not_found', 'thing_not_found', 'no thing');
      });
    server = createHttpApp({ logger: testLogger(), routes, readiness: [], clients: testClients }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it.each([
    ['not_found', 404],
    ['conflict', 409],
    ['rejected', 422],
  ])('answers %s with %d, byte for byte as the HttpError it replaces', async (kind, status) => {
    const [domain, http] = await Promise.all([fetch(`${url}/domain/${kind}`), fetch(`${url}/http/${status}`)]);
    expect(domain.status).toBe(status);
    const body = await domain.text();
    expect(JSON.parse(body)).toEqual({ error: { code: 'some_code', message: 'some message', details } });
    expect(body).toBe(await http.text());
    expect(domain.headers.get('content-type')).toBe(http.headers.get('content-type'));
  });

  it('leaves details out when there are none', async () => {
    const response = await fetch(`${url}/no-details`);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('{"error":{"code":"thing_not_found","message":"no thing"}}');
  });
});
