import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceName } from '@bookstore/kit';

export interface OneProcessStack {
  serviceUrls: Record<ServiceName, string>;
  databaseUrls: Record<ServiceName, string>;
  pid: number;
  /** Every service's JSON log lines, told apart by their `name`. */
  logFile: string;
  stop(): Promise<void>;
}

const startTimeoutMs = 60_000;
const startedMessage = '"msg":"one-process stack started"';

/**
 * Starts the `npm start` layout (one-process-main.ts) in a child process on the given PostgreSQL and emulator, with
 * its own databases and topology, and resolves with its addresses once it serves.
 */
export async function startOneProcessStack(options: {
  postgresUrl: string;
  awsEndpoint: string;
  adminToken: string;
  logDir: string;
  /** More environment for every service, as the process layout's `env`. */
  env?: Record<string, string>;
}): Promise<OneProcessStack> {
  const logFile = path.join(options.logDir, 'one-process.log');
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'one-process-main.ts')], {
    cwd: path.resolve(__dirname, '../..'),
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POSTGRES_URL: options.postgresUrl,
      AWS_ENDPOINT_URL: options.awsEndpoint,
      ADMIN_TOKEN: options.adminToken,
      TOPOLOGY_PREFIX: 'one-process-',
      DATABASE_SUFFIX: '_one_process',
      SERVICE_ENV: JSON.stringify(options.env ?? {}),
    },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const exited = once(child, 'exit');
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    const started = readFileSync(logFile, 'utf8').split('\n').find((line) => line.includes(startedMessage));
    if (started) {
      const { serviceUrls, databaseUrls } = JSON.parse(started) as Pick<OneProcessStack, 'serviceUrls' | 'databaseUrls'>;
      return {
        serviceUrls,
        databaseUrls,
        pid: child.pid!,
        logFile,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the one-process stack did not start; see ${logFile}`);
    }
    await sleep(100);
  }
}
