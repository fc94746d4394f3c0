import { setTimeout as sleep } from 'node:timers/promises';
import { round, type Distribution } from '@bookstore/kit/testing';
import { startCpuMeter } from './cpu';
import { runSaga, type SagaShop } from './saga';
import { mapValues } from './stats';

export interface OrderCost {
  layout: string;
  offeredPerSecond: number;
  decided: number;
  /** CPU seconds of every process of the system (services, emulator, PostgreSQL), not the load driver's. */
  cpuSeconds: number;
  wallSeconds: number;
  cpuMsPerOrder: number;
  /** CPU per order of each process of the system (`postgres`, `emulator`, `orders-worker`...). */
  cpuMsPerOrderByProcess: Record<string, number>;
  /** From the order's commit to its OrderConfirmed step, as Orders recorded them. */
  latencyMs: Distribution;
  /** CPU milliseconds per second the same processes use with no orders arriving (polling, timers), before the load. */
  idleCpuMsPerSecond: number;
  idleCpuMsPerSecondByProcess: Record<string, number>;
}

/** How long the system is watched with nothing arriving, before the load. */
const idleSeconds = 5;

/**
 * The cost of an order: the system's CPU time, read from /proc for the processes `processes` names, while orders arrive
 * at a steady rate and until every one is decided, divided by the orders decided; and, first, what the same processes
 * use while nothing arrives, since that is paid whatever the rate.
 */
export async function measureOrderCost(
  layout: string,
  shop: SagaShop,
  processes: () => Record<string, number | undefined>,
  offeredPerSecond: number,
  seconds: number,
): Promise<OrderCost> {
  const idleMeter = startCpuMeter(processes);
  await sleep(idleSeconds * 1000);
  const idle = idleMeter.stop();
  const perSecond = (seconds: number) => round((1000 * seconds) / idle.wallSeconds);
  const meter = startCpuMeter(processes);
  const run = await runSaga(shop, offeredPerSecond, seconds);
  const { cpuSeconds, wallSeconds, byProcess } = meter.stop();
  const decided = run.accepted - run.undecided;
  return {
    layout,
    offeredPerSecond,
    decided,
    cpuSeconds: round(cpuSeconds),
    wallSeconds: round(wallSeconds),
    cpuMsPerOrder: round((1000 * cpuSeconds) / decided),
    cpuMsPerOrderByProcess: mapValues(byProcess, (seconds) => round((1000 * seconds) / decided)),
    latencyMs: run.latencyMs,
    idleCpuMsPerSecond: perSecond(idle.cpuSeconds),
    idleCpuMsPerSecondByProcess: mapValues(idle.byProcess, perSecond),
  };
}
