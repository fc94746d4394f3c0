import express from 'express';
import { periodic, runService, type BackgroundTask, type Service } from './lifecycle';
import { occupiedPort, testLogger } from './testing';

/** A service of real parts (an Express app, tasks that say what happens to them) that records its life. */
function recordingService(tasks: Record<string, { startFails?: boolean }>, databaseUp = true) {
  const happened: string[] = [];
  const service: Service = {
    logger: testLogger(),
    http: express().get('/api/thing', (_req, res) => void res.json({ api: true })),
    readiness: [{ name: 'database', check: async () => (databaseUp ? undefined : Promise.reject(new Error('connection refused'))) }],
    tasks: Object.entries(tasks).map(
      ([name, { startFails }]): BackgroundTask => ({
        start() {
          if (startFails) throw new Error(`${name} cannot start`);
          happened.push(`${name} started`);
        },
        async stop() {
          happened.push(`${name} stopped`);
        },
      }),
    ),
    close: async () => {
      happened.push('closed');
    },
  };
  return { service, happened };
}

describe('runService', () => {
  it('stops and closes what it started when a later task fails to start, and rethrows', async () => {
    const { service, happened } = recordingService({ relay: {}, consumer: {}, sweep: { startFails: true } });

    await expect(runService(service, { roles: ['worker'] })).rejects.toThrow('sweep cannot start');

    expect(happened).toEqual(['relay started', 'consumer started', 'consumer stopped', 'relay stopped', 'closed']);
  });

  it('stops the worker it started and closes the service when its port is taken, and rethrows', async () => {
    const { service, happened } = recordingService({ relay: {}, consumer: {} });
    const taken = await occupiedPort();
    try {
      await expect(runService(service, { roles: ['worker', 'api'], port: taken.port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await taken.release();
    }

    expect(happened).toEqual(['relay started', 'consumer started', 'consumer stopped', 'relay stopped', 'closed']);
  });

  it('stops in reverse order once, however often stop is called', async () => {
    const { service, happened } = recordingService({ relay: {}, consumer: {} });
    const running = await runService(service, { roles: ['worker', 'api'], port: 0 });
    expect(running.port).toBeGreaterThan(0);

    await Promise.all([running.stop(), running.stop()]);

    expect(happened).toEqual(['relay started', 'consumer started', 'consumer stopped', 'relay stopped', 'closed']);
  });

  it('serves a worker alone its health on the port, not the API: /readyz says which dependency it cannot reach', async () => {
    const { service } = recordingService({ consumer: {} }, false);
    const running = await runService(service, { roles: ['worker'], port: 0 });
    try {
      const url = `http://127.0.0.1:${running.port}`;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'not_ready', checks: { database: 'unavailable' } });
      expect((await fetch(`${url}/api/thing`)).status).toBe(404);
    } finally {
      await running.stop();
    }
  });
});

describe('periodic', () => {
  it('runs first after firstRunAfterMs, then every interval, and not after it stopped', async () => {
    const runs: number[] = [];
    const startedAt = Date.now();
    const job = periodic('test', 300, async () => void runs.push(Date.now() - startedAt), testLogger(), { firstRunAfterMs: 20 });
    job.start();
    await new Promise((resolve) => setTimeout(resolve, 450));
    await job.stop();
    const stoppedWith = runs.length;
    await new Promise((resolve) => setTimeout(resolve, 400));

    expect(runs).toHaveLength(2);
    expect(runs[0]).toBeLessThan(150);
    expect(runs[1]! - runs[0]!).toBeGreaterThanOrEqual(290);
    expect(runs).toHaveLength(stoppedWith);
  });
});
