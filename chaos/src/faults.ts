import { setTimeout as sleep } from 'node:timers/promises';
import type { LoopbackSystem, ServiceProcess } from '@bookstore/apphost';

export interface FaultPlan {
  /** How long orders flow, in seconds; every fault happens within it. */
  durationSeconds: number;
  /** How long orders keep flowing after the faults, in seconds: the time to show that the shop has recovered. */
  calmSeconds: number;
  /** A random API or worker is SIGKILLed this often, and restarted 0.5 to 3 s later. */
  killEverySeconds: number;
  /** When the services lose the SNS/SQS endpoint, and for how long. */
  brokerOutages: { atSeconds: number; forSeconds: number }[];
  postgresRestarts: { atSeconds: number; downSeconds: number }[];
  /** Poison messages dropped on the queues, spread over the run. */
  poisonMessages: number;
}

export const plans: Record<'short' | 'full', FaultPlan> = {
  short: {
    durationSeconds: 60,
    calmSeconds: 10,
    killEverySeconds: 5,
    brokerOutages: [{ atSeconds: 15, forSeconds: 6 }, { atSeconds: 45, forSeconds: 4 }],
    postgresRestarts: [{ atSeconds: 30, downSeconds: 3 }],
    poisonMessages: 10,
  },
  full: {
    durationSeconds: 180,
    calmSeconds: 20,
    killEverySeconds: 4,
    brokerOutages: [{ atSeconds: 20, forSeconds: 8 }, { atSeconds: 75, forSeconds: 5 }, { atSeconds: 140, forSeconds: 12 }],
    postgresRestarts: [{ atSeconds: 45, downSeconds: 3 }, { atSeconds: 110, downSeconds: 8 }],
    poisonMessages: 30,
  },
};

export interface FaultEvent {
  atSeconds: number;
  fault: string;
}

/** What restarting the killed processes cost: how long each took to serve again, and the starts that failed. */
export interface Restarts {
  /** From spawning a killed process again until it serves (an API answers /readyz) or consumes (a worker). */
  serveAgainMs: number[];
  /** Processes that exited or hung while starting again, a label per failed attempt. */
  failedStarts: string[];
}

/**
 * Runs a plan's faults against a loopback system, each at its time, and records what it did. Process kills
 * overlap the outages and the Postgres restarts on purpose: failures in production do not take turns.
 */
export async function runFaults(
  system: LoopbackSystem,
  plan: FaultPlan,
  random: () => number,
  dropPoison: () => Promise<string>,
  log: (event: FaultEvent) => void,
): Promise<Restarts> {
  const startedAt = Date.now();
  const at = (seconds: number) => sleep(Math.max(0, startedAt + seconds * 1000 - Date.now()));
  const record = (fault: string) => log({ atSeconds: Math.round((Date.now() - startedAt) / 100) / 10, fault });
  const { brokerProxy } = system;
  const work: Promise<void>[] = [];
  const restarts: Restarts = { serveAgainMs: [], failedStarts: [] };

  for (let seconds = plan.killEverySeconds; seconds < plan.durationSeconds; seconds += plan.killEverySeconds) {
    work.push(
      at(seconds).then(async () => {
        const up = system.stack.processes.filter((process) => process.up);
        const victim = up[Math.floor(random() * up.length)];
        if (!victim) return;
        await victim.kill('SIGKILL');
        const downMs = 500 + Math.floor(random() * 2500);
        record(`SIGKILL ${victim.label}, restart in ${(downMs / 1000).toFixed(1)} s`);
        await sleep(downMs);
        await startAgain(victim, record, restarts);
      }),
    );
  }
  for (const { atSeconds, forSeconds } of plan.brokerOutages) {
    if (!brokerProxy) throw new Error('broker outages need the system started with brokerProxy');
    work.push(
      at(atSeconds).then(async () => {
        record(`cut the services off from SNS/SQS for ${forSeconds} s`);
        await brokerProxy.cut();
        await sleep(forSeconds * 1000);
        await brokerProxy.restore();
        record('SNS/SQS reachable again');
      }),
    );
  }
  for (const { atSeconds, downSeconds } of plan.postgresRestarts) {
    work.push(
      at(atSeconds).then(async () => {
        record(`stop PostgreSQL for ${downSeconds} s`);
        await system.restartPostgres(downSeconds * 1000);
        record('PostgreSQL started again');
      }),
    );
  }
  for (let index = 0; index < plan.poisonMessages; index += 1) {
    work.push(at(((index + 0.5) * plan.durationSeconds) / plan.poisonMessages).then(async () => record(await dropPoison())));
  }
  await Promise.all(work);
  return restarts;
}

/** Starts a killed process again, retrying while what it needs at start-up is down, as ECS would. */
async function startAgain(process: ServiceProcess, record: (fault: string) => void, restarts: Restarts): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const startedAt = performance.now();
    try {
      await process.start();
      restarts.serveAgainMs.push(performance.now() - startedAt);
      return;
    } catch (error) {
      restarts.failedStarts.push(process.label);
      if (attempt === 30) throw error;
      record(`${process.label} did not start (attempt ${attempt}); retrying in 1 s`);
      await sleep(1_000);
    }
  }
}
