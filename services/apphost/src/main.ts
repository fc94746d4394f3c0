import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createLogger, readEnvironment, serviceNames, services } from '@bookstore/kit';
import { defaultOrdersSettings } from '@bookstore/orders';
import { z } from 'zod';
import { startEmulator } from './emulator';
import { buildFrontend } from './frontend';
import { startEmbeddedPostgres } from './postgres';
import { seedCatalog } from './seed';
import { startStack } from './stack';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65_535).default(fallback);

/** `npm start`: everything a developer needs, on real parts, with no Docker and no cloud account. */
const environment = z.object({
  /** An existing PostgreSQL server (for example postgres://user:pass@localhost:5432); unset runs an embedded one. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  POSTGRES_PORT: port(54320),
  DATA_DIR: z.string().default(path.resolve(__dirname, '../../../.data')),
  /** LocalStack or another SNS/SQS endpoint; unset runs the embedded emulator on SQS_PORT. */
  AWS_ENDPOINT_URL: z.url().optional(),
  /** Set to true to use real AWS (credentials from the usual AWS chain) instead of the emulator. */
  USE_AWS: z.stringbool().default(false),
  AWS_REGION: z.string().default('us-east-1'),
  SQS_PORT: port(4566),
  TOPOLOGY_PREFIX: z.string().default(''),
  ADMIN_TOKEN: z.string().min(16).optional(),
  GATEWAY_PORT: port(8080),
  CATALOG_PORT: port(services.catalog.port),
  ORDERS_PORT: port(services.orders.port),
  PAYMENTS_PORT: port(services.payments.port),
  ORDER_DEADLINE_SECONDS: z.coerce.number().int().min(1).default(defaultOrdersSettings.deadlineSeconds),
  LOG_LEVEL: z.string().default('info'),
});

async function main(): Promise<void> {
  // The AWS SDK warns that it will need Node 22 from 2027; README.md says so once instead of every start.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const env = readEnvironment(environment);
  const logger = createLogger('apphost', { level: env.LOG_LEVEL, pretty: process.stdout.isTTY });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error) => logger.warn({ err: error }, 'stopping failed'));
  };
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      step('stopping (Ctrl-C again to force)');
      process.once(signal, () => process.exit(1));
      void stopAll().then(() => process.exit(0));
    });
  }

  try {
    let postgresUrl = env.DATABASE_URL;
    if (!postgresUrl) {
      step(`starting PostgreSQL (embedded, port ${env.POSTGRES_PORT}, data in ${path.relative(process.cwd(), env.DATA_DIR) || '.'}/postgres)`);
      const postgres = await startEmbeddedPostgres({ dataDir: path.join(env.DATA_DIR, 'postgres'), port: env.POSTGRES_PORT, persistent: true });
      stops.push(postgres.stop);
      postgresUrl = postgres.url;
    }
    let awsEndpoint = env.AWS_ENDPOINT_URL;
    if (!awsEndpoint && !env.USE_AWS) {
      step(`starting the SNS/SQS emulator on port ${env.SQS_PORT}`);
      const emulator = await startEmulator(env.SQS_PORT);
      stops.push(emulator.stop);
      awsEndpoint = emulator.endpoint;
    }
    const adminToken = env.ADMIN_TOKEN ?? randomBytes(24).toString('base64url');
    const frontend = await buildFrontend(step).then(
      (staticDir) => ({ staticDir }),
      (error: unknown) => {
        logger.error({ err: error }, 'the frontend did not build; serving the API only (fix it, or run `npm run dev -w frontend`)');
        return undefined;
      },
    );
    const stack = await startStack({
      postgresUrl,
      awsEndpoint,
      awsRegion: env.AWS_REGION,
      topologyPrefix: env.TOPOLOGY_PREFIX,
      adminToken,
      ports: { gateway: env.GATEWAY_PORT, catalog: env.CATALOG_PORT, orders: env.ORDERS_PORT, payments: env.PAYMENTS_PORT },
      orders: { deadlineSeconds: env.ORDER_DEADLINE_SECONDS },
      frontend,
      logger,
      onStep: step,
    });
    stops.push(stack.stop);

    step('seeding the catalog');
    const seeded = await seedCatalog({ gatewayUrl: stack.gatewayUrl, adminToken, ordersDatabaseUrl: stack.databaseUrls.orders });
    step(seeded ? `added ${seeded} books` : 'the catalog already has books');

    const lines = [
      '',
      'Bookstore is running.',
      `  shop         ${stack.gatewayUrl}/   (the web app; /api/catalog, /api/orders, /api/payments behind it)`,
      ...serviceNames.map((name) => `  ${name.padEnd(12)} ${stack.serviceUrls[name]}`),
      `  SNS/SQS      ${awsEndpoint ?? 'AWS'}`,
      `  admin token  ${adminToken}${env.ADMIN_TOKEN ? ' (from ADMIN_TOKEN)' : ' (generated; set ADMIN_TOKEN to choose one)'}`,
      '',
      `Try: curl -s '${stack.gatewayUrl}/api/catalog/books?q=dune' | jq`,
      'Stop with Ctrl-C.',
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (error) {
    logger.error({ err: error }, 'start-up failed');
    await stopAll();
    process.exit(1);
  }
}

const startedAt = Date.now();
function step(message: string): void {
  process.stdout.write(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)}s] ${message}\n`);
}

void main();
