import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@bookstore/kit';
import { startEmulatorProcess } from './emulator';
import { startEmbeddedPostgres, type PostgresServer } from './postgres';
import { freePort, startProcessStack, type ProcessStack, type ProcessStackOptions } from './processes';
import { seedCatalog } from './seed';
import { Teardown } from './teardown';
import { TcpProxy } from './testing/tcp-proxy';

export interface LoopbackSystemOptions {
  logger: Logger;
  logDir: string;
  adminToken: string;
  /** Put a TCP proxy between the services and the emulator, so they can be cut off from it. */
  brokerProxy?: boolean;
  env?: ProcessStackOptions['env'];
  nodeFlags?: ProcessStackOptions['nodeFlags'];
  supervise?: boolean;
  onUnexpectedExit?: ProcessStackOptions['onUnexpectedExit'];
  onStep?: (step: string) => void;
}

export interface LoopbackSystem {
  stack: ProcessStack;
  /** The emulator itself; the services reach it through `brokerProxy` when there is one. */
  emulatorEndpoint: string;
  brokerProxy?: TcpProxy;
  postgresUrl: string;
  /** The processes under the services right now, by name: PostgreSQL's postmaster (its backends are its children) and the emulator. */
  infrastructureProcesses(): Record<string, number | undefined>;
  /** Those and each service's API and worker process (`orders-worker`...): the whole system. */
  processes(): Record<string, number | undefined>;
  /** Stops PostgreSQL (fast shutdown: sessions are cut), waits, and starts it again on the same data. */
  restartPostgres(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A whole throwaway system on loopback for the benchmark and the chaos run: a fresh embedded PostgreSQL in a
 * temporary directory, the emulator in its own process (optionally behind a proxy), every service as separate API and worker
 * processes, and the seeded catalog. Nothing is shared with `npm start`'s data.
 */
export async function startLoopbackSystem(options: LoopbackSystemOptions): Promise<LoopbackSystem> {
  const { onStep = () => undefined } = options;
  const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'bookstore-')), 'postgres');
  const port = await freePort();
  const teardown = new Teardown(options.logger);
  teardown.add(async () => rmSync(path.dirname(dataDir), { recursive: true, force: true }));
  try {
    onStep('starting PostgreSQL');
    let postgres: PostgresServer = await startEmbeddedPostgres({ dataDir, port, persistent: true });
    teardown.add(() => postgres.stop());

    onStep('starting the SNS/SQS emulator');
    const emulator = await startEmulatorProcess(await freePort());
    teardown.add(emulator.stop);
    let brokerProxy: TcpProxy | undefined;
    if (options.brokerProxy) {
      brokerProxy = await new TcpProxy({ host: '127.0.0.1', port: Number(new URL(emulator.endpoint).port) }).start();
      teardown.add(() => brokerProxy!.cut());
    }

    onStep('starting the services (an API and a worker process each)');
    const stack = await startProcessStack({
      postgresUrl: postgres.url,
      awsEndpoint: brokerProxy?.url ?? emulator.endpoint,
      provisioningEndpoint: emulator.endpoint,
      adminToken: options.adminToken,
      logDir: options.logDir,
      env: options.env,
      nodeFlags: options.nodeFlags,
      logger: options.logger,
      supervise: options.supervise,
      onUnexpectedExit: options.onUnexpectedExit,
    });
    teardown.add(stack.stop);

    onStep('seeding the catalog');
    await seedCatalog({ gatewayUrl: stack.serviceUrls.catalog, adminToken: options.adminToken, ordersDatabaseUrl: stack.databaseUrls.orders });

    // Read at each call: a PostgreSQL restart gives the postmaster a new pid.
    const infrastructureProcesses = () => ({ postgres: postgres.pid(), emulator: emulator.pid });
    return {
      stack,
      emulatorEndpoint: emulator.endpoint,
      brokerProxy,
      postgresUrl: postgres.url,
      infrastructureProcesses,
      processes: () => ({ ...infrastructureProcesses(), ...Object.fromEntries(stack.processes.map((process) => [process.label, process.pid])) }),
      restartPostgres: async (downMs) => {
        await postgres.stop();
        await sleep(downMs);
        postgres = await startEmbeddedPostgres({ dataDir, port, persistent: true });
      },
      stop: () => teardown.stop(),
    };
  } catch (error) {
    await teardown.stop();
    throw error;
  }
}
