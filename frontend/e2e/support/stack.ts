import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The repository root, where `npm start` runs. */
export const repoRoot = path.resolve(__dirname, '../../..');

export interface LocalStack {
  /** The gateway: the frontend at `/`, the services under `/api`. */
  gatewayUrl: string;
  adminToken: string;
  ports: Record<(typeof portNames)[number], number>;
  /** Everything the stack printed so far (stdout and stderr, interleaved). */
  output(): string;
  /** SIGTERM, then waits for the process to exit (SIGKILL after `graceMs`), and removes the data directory. */
  stop(graceMs?: number): Promise<void>;
}

const portNames = ['POSTGRES_PORT', 'SQS_PORT', 'GATEWAY_PORT', 'CATALOG_PORT', 'ORDERS_PORT', 'PAYMENTS_PORT'] as const;
const readyLine = 'Bookstore is running.';
const startTimeoutMs = 90_000;
/** Keep the tail of the output in memory for error messages; the whole of it goes to `logFile`. */
const maxOutputChars = 200_000;

/**
 * Starts the local stack as `npm start` does (`node --import tsx services/apphost/src/main.ts`), on free ports
 * and a fresh data directory, and resolves once it prints "Bookstore is running.". Rejects with the captured
 * output if the process exits first or 90 s pass.
 */
export async function startLocalStack({
  adminToken = 'e2e-admin-token-0123456789',
  env = {},
  logFile = path.join(repoRoot, 'reports', 'e2e-stack.log'),
}: { adminToken?: string; env?: Record<string, string>; logFile?: string } = {}): Promise<LocalStack> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bookstore-e2e-'));
  chmodSync(dataDir, 0o755); // embedded Postgres runs as the OS user postgres and must reach its directory
  const ports = Object.fromEntries((await freePorts(portNames.length)).map((port, i) => [portNames[i], port])) as LocalStack['ports'];

  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/apphost/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
      ADMIN_TOKEN: adminToken,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Never leave a stack behind when jest exits without reaching the teardown.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-maxOutputChars);
    log.write(chunk);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

  const cleanUp = () => {
    process.removeListener('exit', killOnExit);
    log.end();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const stop = async (graceMs = 60_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    cleanUp();
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the stack did not print "${readyLine}" within ${startTimeoutMs / 1000} s. Output:\n${output}`)), startTimeoutMs);
      const onData = () => {
        if (output.includes(readyLine)) {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      void exited.then(([code, signal]) => {
        clearTimeout(timer);
        reject(new Error(`the stack exited (${signal ?? `code ${code}`}) before it was ready. Output:\n${output}`));
      });
    });
  } catch (error) {
    await stop(10_000);
    throw error;
  }

  return { gatewayUrl: `http://127.0.0.1:${ports.GATEWAY_PORT}`, adminToken, ports, output: () => output, stop };
}

/** `count` distinct free ports: all listeners stay open until every port is known, so none repeats. */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
      const address = server.address();
      if (typeof address !== 'object' || !address) throw new Error('no port');
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}
