import { createServer, type Server } from 'node:net';
import { serviceNames } from '@bookstore/kit';
import { freePort } from '../src/processes';
import { startTestStack } from './support/stack';

/** A start that fails part-way leaves nothing behind: every service that had started is stopped again. */
describe('the in-process stack', () => {
  let occupant: Server;
  beforeAll(async () => {
    occupant = createServer();
    await new Promise<void>((resolve) => occupant.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => occupant.close(() => resolve())));

  it('stops the services it started when the gateway cannot listen, and says why', async () => {
    const ports = { catalog: await freePort(), orders: await freePort(), payments: await freePort() };
    const gateway = (occupant.address() as { port: number }).port;

    await expect(startTestStack({ ports: { ...ports, gateway } })).rejects.toThrow(/EADDRINUSE/);

    for (const name of serviceNames) expect(await accepts(ports[name])).toBe(false);
  });
});

function accepts(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/healthz`).then(
    () => true,
    () => false,
  );
}
