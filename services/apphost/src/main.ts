// First: OpenTelemetry instruments libraries as they load, when traces are exported.
import '@bookstore/kit/instrument';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, gateway, readEnvironment, serviceEnvironment, serviceNames, services, startTracing, stopOnSignals, type Logger } from '@bookstore/kit';
import { ordersEnvironment } from '@bookstore/orders';
import { z } from 'zod';
import { startEmulator } from './emulator';
import { buildFrontend } from './frontend';
import type { FrontendSource } from './gateway';
import { startEmbeddedPostgres } from './postgres';
import { seedCatalog } from './seed';
import { startStack, type Stack } from './stack';
import { Teardown } from './teardown';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65_535).default(fallback);

/**
 * `npm start`'s settings: its own, and the services' settings it passes on, taken from the schemas the services
 * read them with (kit's serviceEnvironment, Orders' ordersEnvironment) so that each is declared once.
 */
const environment = z.object({
  /** An existing PostgreSQL server (for example postgres://user:pass@localhost:5432); unset runs an embedded one. */
  DATABASE_URL: serviceEnvironment.shape.DATABASE_URL.optional(),
  POSTGRES_PORT: port(54320),
  DATA_DIR: z.string().default(path.resolve(__dirname, '../../../.data')),
  /** LocalStack or another SNS/SQS endpoint; unset runs the embedded emulator on SQS_PORT. */
  AWS_ENDPOINT_URL: serviceEnvironment.shape.AWS_ENDPOINT_URL,
  /** Set to true to use real AWS (credentials from the usual AWS chain) instead of the emulator. */
  USE_AWS: z.stringbool().default(false),
  AWS_REGION: serviceEnvironment.shape.AWS_REGION,
  SQS_PORT: port(4566),
  TOPOLOGY_PREFIX: serviceEnvironment.shape.TOPOLOGY_PREFIX,
  /** Unset generates one, printed at the end of the start. */
  ADMIN_TOKEN: serviceEnvironment.shape.ADMIN_TOKEN.optional(),
  GATEWAY_PORT: port(gateway.port),
  CATALOG_PORT: port(services.catalog.port),
  ORDERS_PORT: port(services.orders.port),
  PAYMENTS_PORT: port(services.payments.port),
  ORDER_DEADLINE_SECONDS: ordersEnvironment.shape.ORDER_DEADLINE_SECONDS,
  /** Unset, one is generated into DATA_DIR on the first start and kept, so that order links survive restarts. */
  ORDER_TOKEN_KEY: ordersEnvironment.shape.ORDER_TOKEN_KEY.optional(),
  LOG_LEVEL: serviceEnvironment.shape.LOG_LEVEL,
  /** On by default, as in AWS; the gateway is the one proxy in front of the services (TRUSTED_PROXY_HOPS stays 1). */
  RATE_LIMITS: serviceEnvironment.shape.RATE_LIMITS,
  RATE_LIMIT_PAYMENT_METHODS: serviceEnvironment.shape.RATE_LIMIT_PAYMENT_METHODS,
  RATE_LIMIT_ORDERS: serviceEnvironment.shape.RATE_LIMIT_ORDERS,
});
type Settings = z.output<typeof environment>;

/** `npm start`: everything a developer needs, on real parts, with no Docker and no cloud account. */
async function main(): Promise<void> {
  // The AWS SDK warns that it will need Node 22 from 2027; README.md says so once instead of every start.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const settings = readEnvironment(environment);
  const logger = createLogger('apphost', { level: settings.LOG_LEVEL, pretty: process.stdout.isTTY });
  const teardown = new Teardown(logger);
  // One process runs all three services here: their spans share one service name (each its own in containers).
  teardown.add(startTracing('bookstore').shutdown);
  // Stopping PostgreSQL takes a few seconds; there is no orchestrator's deadline to meet here.
  stopOnSignals(() => teardown.stop(), logger, { message: 'stopping (Ctrl-C again to force)', timeoutMs: 60_000 });

  try {
    const postgresUrl = settings.DATABASE_URL ?? (await startPostgres(settings, teardown));
    const awsEndpoint = settings.AWS_ENDPOINT_URL ?? (settings.USE_AWS ? undefined : await startSnsSqs(settings, teardown));
    const adminToken = settings.ADMIN_TOKEN ?? randomBytes(24).toString('base64url');
    const stack = await startStack({
      postgresUrl,
      awsEndpoint,
      awsRegion: settings.AWS_REGION,
      topologyPrefix: settings.TOPOLOGY_PREFIX,
      adminToken,
      orderTokenKey: settings.ORDER_TOKEN_KEY ?? keptOrderTokenKey(settings.DATA_DIR),
      env: {
        LOG_LEVEL: settings.LOG_LEVEL,
        ORDER_DEADLINE_SECONDS: String(settings.ORDER_DEADLINE_SECONDS),
        RATE_LIMITS: settings.RATE_LIMITS,
        RATE_LIMIT_PAYMENT_METHODS: settings.RATE_LIMIT_PAYMENT_METHODS,
        RATE_LIMIT_ORDERS: settings.RATE_LIMIT_ORDERS,
      },
      ports: { gateway: settings.GATEWAY_PORT, catalog: settings.CATALOG_PORT, orders: settings.ORDERS_PORT, payments: settings.PAYMENTS_PORT },
      frontend: await builtFrontend(logger),
      logger,
      onStep: step,
    });
    teardown.add(stack.stop);

    step('seeding the catalog');
    const seeded = await seedCatalog({ gatewayUrl: stack.gatewayUrl, adminToken, ordersDatabaseUrl: stack.databaseUrls.orders });
    step(seeded ? `added ${seeded} books` : 'the catalog already has books');
    printAddresses(stack, awsEndpoint, adminToken, settings.ADMIN_TOKEN !== undefined);
  } catch (error) {
    logger.error({ err: error }, 'start-up failed');
    await teardown.stop();
    process.exit(1);
  }
}

/** The key Orders derives access tokens with, kept beside the data it opens (the orders in PostgreSQL). */
function keptOrderTokenKey(dataDir: string): string {
  const file = path.join(dataDir, 'order-token-key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(file, 'utf8').trim();
}

async function startPostgres({ DATA_DIR, POSTGRES_PORT }: Settings, teardown: Teardown): Promise<string> {
  step(`starting PostgreSQL (embedded, port ${POSTGRES_PORT}, data in ${path.relative(process.cwd(), DATA_DIR) || '.'}/postgres)`);
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(DATA_DIR, 'postgres'), port: POSTGRES_PORT, persistent: true });
  teardown.add(postgres.stop);
  return postgres.url;
}

async function startSnsSqs({ SQS_PORT }: Settings, teardown: Teardown): Promise<string> {
  step(`starting the SNS/SQS emulator on port ${SQS_PORT}`);
  const emulator = await startEmulator(SQS_PORT);
  teardown.add(emulator.stop);
  return emulator.endpoint;
}

/** The production build of the shopper app; without it (a build error) the gateway still serves the API. */
async function builtFrontend(logger: Logger): Promise<FrontendSource | undefined> {
  return buildFrontend(step).then(
    (staticDir) => ({ staticDir }),
    (error: unknown) => {
      logger.error({ err: error }, 'the frontend did not build; serving the API only (fix it, or run `npm run dev -w frontend`)');
      return undefined;
    },
  );
}

function printAddresses(stack: Stack, awsEndpoint: string | undefined, adminToken: string, tokenFromEnvironment: boolean): void {
  const lines = [
    '',
    'Bookstore is running.',
    `  shop         ${stack.gatewayUrl}/   (the web app; /api/catalog, /api/orders, /api/payments behind it)`,
    ...serviceNames.map((name) => `  ${name.padEnd(12)} ${stack.serviceUrls[name]}`),
    `  SNS/SQS      ${awsEndpoint ?? 'AWS'}`,
    `  admin token  ${adminToken}${tokenFromEnvironment ? ' (from ADMIN_TOKEN)' : ' (generated; set ADMIN_TOKEN to choose one)'}`,
    '',
    `Try: curl -s '${stack.gatewayUrl}/api/catalog/books?q=dune' | jq`,
    'Stop with Ctrl-C.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

const startedAt = Date.now();
function step(message: string): void {
  process.stdout.write(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)}s] ${message}\n`);
}

void main();
