import { chmod, mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../src/emulator';
import { startEmbeddedPostgres } from '../src/postgres';

/**
 * Starts the real parts every integration test shares: one PostgreSQL server and one SNS/SQS emulator.
 * Each test file then creates its own databases and topology (unique names) on them, so files run in parallel.
 */
export default async function globalSetup(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bookstore-test-'));
  await chmod(dir, 0o755);
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port: await freePort(), persistent: false });
  const emulator = await startEmulator(0);
  process.env.TEST_POSTGRES_URL = postgres.url;
  process.env.TEST_AWS_ENDPOINT = emulator.endpoint;
  (globalThis as { stopTestInfrastructure?: () => Promise<void> }).stopTestInfrastructure = async () => {
    await emulator.stop();
    await postgres.stop();
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
