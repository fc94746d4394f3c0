import type { Unreadable } from './databases';
import { readJourneys, type JourneySources } from './journey';
import { readPendingOrders } from './records';
import { sagaOwner } from './saga';
import type { Verdict } from './verdict';

export interface StuckOrder {
  orderId: string;
  placedAt: Date;
  deadlineAt: Date;
  verdict: Verdict;
}

export interface StuckReport {
  olderThanSeconds: number;
  /** Every PENDING order placed before then; null when Orders' database could not be read. */
  total: number | null;
  /** The oldest of them, up to the limit, oldest first. */
  orders: StuckOrder[];
  unreadable: Unreadable[];
}

/** The PENDING orders placed more than `olderThanSeconds` ago, oldest first, each with its verdict. */
export async function stuckOrders(
  sources: JourneySources,
  { olderThanSeconds, limit }: { olderThanSeconds: number; limit: number },
  now: Date,
): Promise<StuckReport> {
  const placedBefore = new Date(now.getTime() - olderThanSeconds * 1000);
  const pending = await sources.databases.read(sagaOwner, (client) => readPendingOrders(client, placedBefore, limit));
  const journeys = await readJourneys(sources, pending?.orders.map(({ id }) => id) ?? [], now);
  return {
    olderThanSeconds,
    total: pending?.total ?? null,
    orders: (pending?.orders ?? []).map(({ id, placedAt, deadlineAt }, index) => ({
      orderId: id,
      placedAt,
      deadlineAt,
      verdict: journeys[index]!.verdict,
    })),
    unreadable: journeys[0]?.unreadable ?? sources.databases.unreadable,
  };
}
