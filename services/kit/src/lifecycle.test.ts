import express from 'express';
import { runService, type BackgroundTask, type Service } from './lifecycle';
import { occupiedPort, testLogger } from './testing';

/** A service of real parts (an Express app, tasks that say what happens to them) that records its life. */
function recordingService(tasks: Record<string, { startFails?: boolean }>) {
  const happened: string[] = [];
  const service: Service = {
    logger: testLogger(),
    http: express(),
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
});
