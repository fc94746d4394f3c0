import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { round } from '@bookstore/kit/testing';

export interface ReadResult {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers that were not 2xx, and connection errors: a read benchmark that errors measures nothing. */
  failures: number;
}

export interface ReadTarget {
  name: string;
  url: string;
  headers?: Record<string, string>;
}

/** Closed-loop load from `connections` keep-alive connections for `seconds`, as autocannon does it. */
export async function measureReads(targets: ReadTarget[], { connections, seconds }: { connections: number; seconds: number }): Promise<ReadResult[]> {
  const results: ReadResult[] = [];
  for (const { name, url, headers } of targets) {
    const result = await autocannon({ url, headers, connections, duration: seconds });
    results.push({ name, requestsPerSecond: round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99, failures: result.non2xx + result.errors });
  }
  return results;
}

/** Starts the bare Express baseline (bare-express.ts) in a process of its own, as the services run. */
export async function startBareExpress(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', `${__dirname}/bare-express.ts`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return {
    url: `http://127.0.0.1:${line.split(' ')[1]}/`,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
