import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { healthPaths, serviceNames, type Role, type ServiceName } from '@bookstore/kit';
import { prepareSystem, serviceEnvironment, type SystemOptions } from './system';

const repositoryRoot = path.resolve(__dirname, '../../..');
const startTimeoutMs = 30_000;

export interface ProcessStackOptions extends SystemOptions {
  /** Each process appends its JSON log lines to `<logDir>/<service>-<role>.log`. */
  logDir: string;
  /** Extra Node.js flags for every service process (for example `--cpu-prof`, which NODE_OPTIONS refuses). */
  nodeFlags?: string[];
  /** Restart a process that exits on its own, as ECS would; `onUnexpectedExit` hears about each. */
  supervise?: boolean;
  onUnexpectedExit?: (process: ServiceProcess, code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface ProcessStack {
  serviceUrls: Record<ServiceName, string>;
  databaseUrls: Record<ServiceName, string>;
  processes: ServiceProcess[];
  stop(): Promise<void>;
}

/**
 * The system as it runs on ECS: every service's API and worker as separate OS processes, started from the
 * same entrypoint as the containers (`main.ts api|worker`), so they can be killed and restarted one by one.
 * The benchmark and the chaos run drive it; `npm start` runs everything in one process instead.
 */
export async function startProcessStack(options: ProcessStackOptions): Promise<ProcessStack> {
  const databaseUrls = await prepareSystem(options);
  mkdirSync(options.logDir, { recursive: true });

  const processes: ServiceProcess[] = [];
  const serviceUrls = {} as Record<ServiceName, string>;
  for (const name of serviceNames) {
    // The API's port, and the worker's, where it serves its health.
    const ports = { api: await freePort(), worker: await freePort() };
    serviceUrls[name] = `http://127.0.0.1:${ports.api}`;
    for (const role of ['api', 'worker'] as const) {
      const env = {
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        HOST: '127.0.0.1',
        PORT: String(ports[role]),
        ...serviceEnvironment(options, name, databaseUrls[name]),
      };
      processes.push(
        new ServiceProcess({
          name,
          role,
          env,
          nodeFlags: options.nodeFlags ?? [],
          port: ports[role],
          logDir: options.logDir,
          supervise: options.supervise,
          onUnexpectedExit: options.onUnexpectedExit,
        }),
      );
    }
  }
  const stop = () => Promise.all(processes.map((child) => child.stop())).then(() => undefined);
  try {
    // Two cores compile six TypeScript entrypoints: starting them all at once only makes each slower.
    for (const child of processes) await child.start();
  } catch (error) {
    await stop();
    throw error;
  }
  return { serviceUrls, databaseUrls, processes, stop };
}

interface ServiceProcessOptions {
  name: ServiceName;
  role: Role;
  env: Record<string, string>;
  nodeFlags: string[];
  /** The port it listens on (an API's, a worker's health); kept across restarts so clients find it again. */
  port?: number;
  logDir: string;
  supervise?: boolean;
  onUnexpectedExit?: ProcessStackOptions['onUnexpectedExit'];
}

/** One service process: started, killed (with any signal) and started again on the same port and log file. */
export class ServiceProcess {
  readonly name: ServiceName;
  readonly role: Role;
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private wanted = false;
  private serving = false;

  constructor(private readonly options: ServiceProcessOptions) {
    this.name = options.name;
    this.role = options.role;
  }

  get label(): string {
    return `${this.name}-${this.role}`;
  }

  get logFile(): string {
    return path.join(this.options.logDir, `${this.label}.log`);
  }

  /** The OS process id while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Started and serving (or consuming): not stopped, crashed or still starting. */
  get up(): boolean {
    return this.serving && this.child !== undefined;
  }

  /** Spawns the process and resolves once it serves (API) or consumes (worker). */
  async start(): Promise<void> {
    this.wanted = true;
    // The child writes its log file itself: piped through this process, every line would cost the driver
    // (the benchmark's load generator) CPU that the system under test should have had.
    const logFile = this.logFile;
    const log = openSync(logFile, 'a');
    const logStart = fstatSync(log).size;
    const child = spawn(process.execPath, [...this.options.nodeFlags, '--import', 'tsx', `services/${this.name}/src/main.ts`, this.role], {
      cwd: repositoryRoot,
      env: { ...process.env, ...this.options.env },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    let started = false;
    const sawStart = untilLogged(logFile, logStart, `"msg":"${this.name} started"`, () => this.child !== child);
    this.exited = once(child, 'exit').then(([code, signal]) => {
      if (this.child === child) {
        this.child = undefined;
        this.serving = false;
      }
      if (this.wanted && started) this.onUnexpectedExit(code as number | null, signal as NodeJS.Signals | null);
    });
    const outcome = await Promise.race([
      sawStart.then(() => 'started' as const),
      this.exited.then(() => 'exited' as const),
      sleep(startTimeoutMs).then(() => 'timeout' as const),
    ]);
    if (outcome !== 'started') {
      child.kill('SIGKILL');
      throw new Error(`${this.label} did not start (${outcome}); see ${this.logFile}`);
    }
    started = true;
    if (this.role === 'api') await this.untilReady();
    this.serving = true;
  }

  /** Sends a signal and waits for the process to end (SIGKILL: no graceful stop, as when a task is killed). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.wanted = false;
    this.serving = false;
    const exited = this.exited;
    this.child?.kill(signal);
    await exited;
  }

  /** Graceful stop (SIGTERM). */
  async stop(): Promise<void> {
    await this.kill('SIGTERM');
  }

  private onUnexpectedExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.options.onUnexpectedExit?.(this, code, signal);
    if (!this.options.supervise) return;
    void sleep(1_000)
      .then(() => (this.wanted && !this.child ? this.start() : undefined))
      .catch(() => this.onUnexpectedExit(null, null));
  }

  private async untilReady(): Promise<void> {
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      const response = await fetch(`http://127.0.0.1:${this.options.port}${healthPaths.ready}`).catch(() => undefined);
      if (response?.ok) return;
      if (Date.now() > deadline) throw new Error(`${this.label} is not ready after ${startTimeoutMs} ms`);
      await sleep(100);
    }
  }
}

/** Resolves when `text` appears in a file after `offset`; gives up (never resolves) once `abandoned()`. */
async function untilLogged(file: string, offset: number, text: string, abandoned: () => boolean): Promise<void> {
  while (!abandoned()) {
    if (readFileSync(file).subarray(offset).includes(text)) return;
    await sleep(50);
  }
  return new Promise(() => undefined);
}

/** A port nothing listens on right now (the OS picks it), for a process that is about to start. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || !address) throw new Error('no free port');
  return address.port;
}
