import { startCpuMeter } from './cpu';
import { runSaga, type SagaShop } from './saga';
import { round, type Distribution } from './stats';

export interface OrderCost {
  layout: string;
  offeredPerSecond: number;
  decided: number;
  /** CPU seconds of every process of the system (services, emulator, PostgreSQL), not the load driver's. */
  cpuSeconds: number;
  wallSeconds: number;
  cpuMsPerOrder: number;
  /** From the order's commit to its OrderConfirmed step, as Orders recorded them. */
  latencyMs: Distribution;
}

/**
 * The cost of an order: the system's CPU time, read from /proc for the processes `pids` returns, while orders arrive
 * at a steady rate and until every one is decided, divided by the orders decided.
 */
export async function measureOrderCost(layout: string, shop: SagaShop, pids: () => number[], offeredPerSecond: number, seconds: number): Promise<OrderCost> {
  const meter = startCpuMeter(pids);
  const run = await runSaga(shop, offeredPerSecond, seconds);
  const { cpuSeconds, wallSeconds } = meter.stop();
  const decided = run.accepted - run.undecided;
  return {
    layout,
    offeredPerSecond,
    decided,
    cpuSeconds: round(cpuSeconds),
    wallSeconds: round(wallSeconds),
    cpuMsPerOrder: round((1000 * cpuSeconds) / decided),
    latencyMs: run.latencyMs,
  };
}
