import type { Server } from 'node:http';
import type express from 'express';
import type { Logger } from './logger';

/** Something that runs in the background of a worker: a consumer, the outbox relay, a periodic job. */
export interface BackgroundTask {
  start(): Promise<void> | void;
  stop(): Promise<void>;
}

/** A service as its composition root assembles it. */
export interface Service {
  logger: Logger;
  http: express.Express;
  /** Run by the worker role, in this order; stopped in reverse. */
  tasks: BackgroundTask[];
  /** Closes what the service opened (database clients and pool). */
  close(): Promise<void>;
}

/** `api` serves HTTP; `worker` consumes events, relays the outbox and runs periodic jobs. Locally one process does both. */
export type Role = 'api' | 'worker';

export interface RunningService {
  /** The bound HTTP port, when the api role runs. */
  port?: number;
  stop(): Promise<void>;
}

export async function runService(service: Service, { roles, port, host = '127.0.0.1' }: { roles: Role[]; port?: number; host?: string }): Promise<RunningService> {
  let server: Server | undefined;
  const started: BackgroundTask[] = [];
  if (roles.includes('worker')) {
    for (const task of service.tasks) {
      await task.start();
      started.push(task);
    }
  }
  if (roles.includes('api')) {
    server = await new Promise<Server>((resolve, reject) => {
      const listening = service.http.listen(port ?? 0, host, () => resolve(listening));
      listening.once('error', reject);
    });
  }
  const address = server?.address();
  let stopping: Promise<void> | undefined;
  return {
    port: typeof address === 'object' && address ? address.port : undefined,
    stop: () =>
      (stopping ??= (async () => {
        if (server) await closeServer(server);
        for (const task of started.reverse()) await task.stop();
        await service.close();
      })()),
  };
}

/** Stops accepting connections, lets requests in flight finish, and drops idle keep-alive connections. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}

/** A job that runs every `intervalMs` until stopped; a run never overlaps the previous one. */
export function periodic(name: string, intervalMs: number, run: () => Promise<unknown>, logger: Logger): BackgroundTask {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> | undefined;
  let stopped = true;
  const tick = () => {
    current = run()
      .catch((error) => logger.warn({ err: error, job: name }, 'periodic job failed; it runs again next interval'))
      .finally(() => {
        current = undefined;
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  return {
    start() {
      stopped = false;
      timer = setTimeout(tick, intervalMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}

/**
 * Stops gracefully on SIGTERM or SIGINT (ECS sends SIGTERM, then SIGKILL after 30 s). A second signal,
 * or a stop that takes longer than `timeoutMs`, exits at once.
 */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger, timeoutMs = 25_000): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping gracefully');
    setTimeout(() => {
      logger.error({ timeoutMs }, 'graceful stop timed out; exiting');
      process.exit(1);
    }, timeoutMs).unref();
    stop().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, 'graceful stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
