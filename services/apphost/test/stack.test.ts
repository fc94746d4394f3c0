import { serviceNames } from '@bookstore/kit';
import { occupiedPort } from '@bookstore/kit/testing';
import { freePort } from '../src/processes';
import { startTestStack } from './support/stack';

/** A start that fails part-way leaves nothing behind: every service that had started is stopped again. */
describe('the in-process stack', () => {
  it('stops the services it started when the gateway cannot listen, and says why', async () => {
    const ports = { catalog: await freePort(), orders: await freePort(), payments: await freePort() };
    const gateway = await occupiedPort();
    try {
      await expect(startTestStack({ ports: { ...ports, gateway: gateway.port } })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await gateway.release();
    }

    for (const name of serviceNames) expect(await accepts(ports[name])).toBe(false);
  });
});

function accepts(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/healthz`).then(
    () => true,
    () => false,
  );
}
