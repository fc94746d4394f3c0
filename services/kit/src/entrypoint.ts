import { z } from 'zod';
import { readEnvironment, serviceEnvironment } from './config';
import { migrateServiceDatabase } from './db/provision';
import { runService, stopOnSignals, type Role, type ServiceDefinition } from './lifecycle';
import { createLogger } from './logger';
import { services } from './platform';
import { startTracing } from './telemetry/tracing';

const migrateEnvironment = z.object({
  DATABASE_URL: serviceEnvironment.shape.DATABASE_URL,
  /**
   * Only for `migrate`, and only where the server is shared: the server admin's URL (RDS's master user, with
   * CREATEDB and CREATEROLE). Its database part is ignored. When set, `migrate` creates the role of DATABASE_URL's
   * user and password (or sets its password) and its database, owned by it and closed to other roles, and then
   * migrates as that role. Unset (or empty), `migrate` creates the database as DATABASE_URL's user if missing.
   */
  DATABASE_ADMIN_URL: z.preprocess((value) => (value === '' ? undefined : value), z.url({ protocol: /^postgres(ql)?$/ }).optional()),
});

const processEnvironment = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  HOST: z.string().default('0.0.0.0'),
});

const roleSets: Record<string, Role[]> = { api: ['api'], worker: ['worker'], all: ['api', 'worker'] };

/**
 * The entrypoint of a service's container: `main.ts api`, `main.ts worker` or `main.ts all` (the default),
 * and `main.ts migrate`, which creates the service's database if missing (with DATABASE_ADMIN_URL: its role and
 * database, see provisionServiceDatabase), applies its migrations and exits.
 * ECS runs the API and the worker as separate services from one image, each after a migrate step;
 * locally one process runs both.
 */
export async function runServiceFromEnvironment({ name, migrationsDir, create }: ServiceDefinition): Promise<void> {
  const logger = createLogger(name);
  try {
    const command = process.argv[2] ?? 'all';
    if (command === 'migrate') {
      const { DATABASE_URL, DATABASE_ADMIN_URL } = readEnvironment(migrateEnvironment);
      const database = decodeURIComponent(new URL(DATABASE_URL).pathname.slice(1));
      await migrateServiceDatabase({ databaseUrl: DATABASE_URL, adminUrl: DATABASE_ADMIN_URL, migrationsDir, logger });
      logger.info({ database }, 'database is up to date');
      return;
    }
    const roles = roleSets[command];
    if (!roles) throw new Error(`unknown command ${JSON.stringify(command)}; use api, worker, all or migrate`);
    const { PORT, HOST } = readEnvironment(processEnvironment);
    const tracing = startTracing(`${name}-${command}`);
    const service = create(process.env, logger);
    const running = await runService(service, { roles, port: PORT ?? services[name].port, host: HOST });
    logger.info({ roles, port: running.port }, `${name} started`);
    stopOnSignals(async () => {
      await running.stop();
      await tracing.shutdown();
    }, logger);
  } catch (error) {
    logger.fatal({ err: error }, `${name} failed to start`);
    process.exit(1);
  }
}
