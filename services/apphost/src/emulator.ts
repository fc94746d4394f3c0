import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Emulator {
  endpoint: string;
  /** The process it runs in. */
  pid: number;
  stop(): Promise<void>;
}

/** Runs the fauxqs SNS/SQS emulator in this process, on loopback. Its state lives in memory only. */
export async function startEmulator(port: number): Promise<Emulator> {
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port, host: '127.0.0.1', logger: false });
  return { endpoint: `http://127.0.0.1:${server.port}`, pid: process.pid, stop: () => server.stop() };
}

/**
 * The same emulator in a process of its own, so that under load it does not share an event loop (and a
 * core) with whoever drives the load: the benchmark and the chaos run measure the system, not themselves.
 */
export async function startEmulatorProcess(port: number): Promise<Emulator> {
  const script = `import('fauxqs').then(({ startFauxqs }) => startFauxqs({ port: ${port}, host: '127.0.0.1', logger: false }))`;
  const child = spawn(process.execPath, ['-e', script], { cwd: __dirname, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt += 1) {
    // Any HTTP answer means it is listening; only a refused connection means not yet.
    if (await fetch(endpoint).then(() => true, () => false)) break;
    if (attempt === 100 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`the SNS/SQS emulator did not start on port ${port}`);
    }
    await sleep(100);
  }
  return {
    endpoint,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
