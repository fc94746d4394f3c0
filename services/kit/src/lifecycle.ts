import type { Server } from 'node:http';
import type express from 'express';
import { createHealthApp, type ReadinessCheck } from './http/health';
import type { Logger } from './logger';
import type { ServiceName } from './platform';

/** Something that runs in the background of a worker: a consumer, the outbox relay, a periodic job. */
export interface BackgroundTask {
  start(): Promise<void> | void;
  stop(): Promise<void>;
}

/** A service as its composition root assembles it. */
export interface Service {
  logger: Logger;
  http: express.Express;
  /** What `/readyz` checks: an API's and a worker's (which serves only its health, see runService). */
  readiness: ReadinessCheck[];
  /** Run by the worker role, in this order; stopped in reverse. */
  tasks: BackgroundTask[];
  /** Closes what the service opened (database clients and pool). */
  close(): Promise<void>;
}

/**
 * A service as its package offers it to whoever runs it: the container's entrypoint (runServiceFromEnvironment)
 * or the local apphost. Both give `create` the same kind of environment, so a service starts one way everywhere.
 */
export interface ServiceDefinition {
  name: ServiceName;
  /** Its Prisma migrations (`prisma/migrations`), applied before it starts. */
  migrationsDir: string;
  /** Builds the service from the variables its container gets (DATABASE_URL, ADMIN_TOKEN, its own settings...). */
  create(env: NodeJS.ProcessEnv, logger: Logger): Service;
}

/** `api` serves HTTP; `worker` consumes events, relays the outbox and runs periodic jobs. Locally one process does both. */
export type Role = 'api' | 'worker';

export interface RunningService {
  /** The bound HTTP port: the API's, or a worker's health port. */
  port?: number;
  stop(): Promise<void>;
}

/**
 * Starts the roles' parts: the worker's tasks in order, then the API's listener; a worker alone listens on `port`
 * (when given) for its health only, so that it too can say whether it reaches its dependencies. When one fails, what already
 * started is stopped again (in reverse) and the service closed, so a failed start leaves nothing running.
 */
export async function runService(service: Service, { roles, port, host = '127.0.0.1' }: { roles: Role[]; port?: number; host?: string }): Promise<RunningService> {
  let server: Server | undefined;
  const started: BackgroundTask[] = [];
  const stop = async () => {
    if (server) await closeServer(server);
    for (const task of [...started].reverse()) await task.stop();
    await service.close();
  };
  try {
    if (roles.includes('worker')) {
      for (const task of service.tasks) {
        await task.start();
        started.push(task);
      }
    }
    if (roles.includes('api')) server = await listen(service.http, port ?? 0, host);
    else if (port !== undefined) server = await listen(createHealthApp(service.logger, service.readiness), port, host);
  } catch (error) {
    await stop().catch((stopError: unknown) => service.logger.warn({ err: stopError }, 'stopping after a failed start failed'));
    throw error;
  }
  const address = server?.address();
  let stopping: Promise<void> | undefined;
  return {
    port: typeof address === 'object' && address ? address.port : undefined,
    stop: () => (stopping ??= stop()),
  };
}

/**
 * Listens on a port and resolves once it does, or rejects (EADDRINUSE...). Express 5 hands a listen error to the
 * callback instead of throwing it, so the callback's argument decides.
 */
export function listen(app: express.Express, port: number, host = '127.0.0.1'): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const server = app.listen(port, host, (error) => (error ? reject(error) : resolve(server)));
  });
}

/** Stops accepting connections, lets requests in flight finish, and drops idle keep-alive connections. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}

/**
 * A job that runs every `intervalMs` until stopped; a run never overlaps the previous one. The first run comes
 * `firstRunAfterMs` after the start (by default one interval).
 */
export function periodic(
  name: string,
  intervalMs: number,
  run: () => Promise<unknown>,
  logger: Logger,
  { firstRunAfterMs = intervalMs }: { firstRunAfterMs?: number } = {},
): BackgroundTask {
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
      timer = setTimeout(tick, firstRunAfterMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}

export interface StopOnSignalsOptions {
  /** What the first signal logs. */
  message?: string;
  /** A stop that takes longer exits at once; the default fits ECS, which sends SIGKILL 30 s after SIGTERM. */
  timeoutMs?: number;
}

/**
 * Stops gracefully on SIGTERM or SIGINT (ECS sends SIGTERM, then SIGKILL after 30 s). A second signal,
 * or a stop that takes longer than `timeoutMs`, exits at once.
 */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger, { message = 'stopping gracefully', timeoutMs = 25_000 }: StopOnSignalsOptions = {}): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, message);
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
