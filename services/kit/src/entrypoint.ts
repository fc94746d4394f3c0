import { z } from 'zod';
import { readEnvironment } from './config';
import { runService, stopOnSignals, type Role, type Service } from './lifecycle';
import { createLogger, type Logger } from './logger';
import { services, type ServiceName } from './platform';
import { serviceConfigFromEnvironment, type ServiceConfig } from './runtime';

const processEnvironment = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  HOST: z.string().default('0.0.0.0'),
});

const roleSets: Record<string, Role[]> = { api: ['api'], worker: ['worker'], all: ['api', 'worker'] };

/**
 * The entrypoint of a service's container: `main.ts api`, `main.ts worker` or `main.ts all` (the default).
 * ECS runs the API and the worker as separate services from one image; locally one process runs both.
 */
export async function runServiceFromEnvironment(name: ServiceName, create: (config: ServiceConfig, logger: Logger) => Service): Promise<void> {
  const logger = createLogger(name);
  try {
    const command = process.argv[2] ?? 'all';
    const roles = roleSets[command];
    if (!roles) throw new Error(`unknown command ${JSON.stringify(command)}; use api, worker or all`);
    const { PORT, HOST } = readEnvironment(processEnvironment);
    const service = create(serviceConfigFromEnvironment(), logger);
    const running = await runService(service, { roles, port: PORT ?? services[name].port, host: HOST });
    logger.info({ roles, port: running.port }, `${name} started`);
    stopOnSignals(running.stop, logger);
  } catch (error) {
    logger.fatal({ err: error }, `${name} failed to start`);
    process.exit(1);
  }
}
