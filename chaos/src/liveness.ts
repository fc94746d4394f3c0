import type { InvariantResult } from '@bookstore/apphost/testing';
import { distribution, query, type Distribution } from '@bookstore/kit/testing';

/** A full run fails when more of its accepted orders than this were cancelled by the deadline (issue 17). */
export const maxTimeoutShare = 0.02;

/** Whether the shop kept deciding orders while it was hurt, beside the invariants that say it lost nothing. */
export interface Liveness {
  accepted: number;
  /** Accepted orders the deadline cancelled, because the system did not decide them in time. */
  timedOut: number;
  timeoutShare: number;
  /** From an order's commit to its decision (confirmed or cancelled), as Orders recorded them, by when it was placed. */
  placedToDecidedMs: { duringFaults: Distribution; afterFaults: Distribution };
}

/**
 * Reads how each accepted order ended and how long its decision took from Orders' own records: `created_at`, and the
 * timeline step of its decision. Orders placed before `faultsEndedAt` count as placed during the faults.
 */
export async function measureLiveness(ordersDatabaseUrl: string, acceptedIds: string[], faultsEndedAt: Date): Promise<Liveness> {
  const rows = await query<{ placed: Date; reason: string | null; ms: number | null }>(
    ordersDatabaseUrl,
    `SELECT o.created_at AS placed, o.cancel_reason AS reason,
       (SELECT extract(epoch FROM min(t.at) - o.created_at) * 1000 FROM order_timeline t
        WHERE t.order_id = o.id AND t.type IN ('OrderConfirmed', 'OrderCancelled'))::float8 AS ms
     FROM orders o WHERE o.id = ANY($1::uuid[])`,
    [acceptedIds],
  );
  const decidedMs = (during: boolean) =>
    rows.flatMap(({ placed, ms }) => (ms !== null && placed.getTime() < faultsEndedAt.getTime() === during ? [ms] : []));
  const timedOut = rows.filter(({ reason }) => reason === 'timeout').length;
  return {
    accepted: acceptedIds.length,
    timedOut,
    timeoutShare: acceptedIds.length === 0 ? 0 : timedOut / acceptedIds.length,
    placedToDecidedMs: { duringFaults: distribution(decidedMs(true)), afterFaults: distribution(decidedMs(false)) },
  };
}

/**
 * The liveness checks: no process exited on its own or failed to start (a worker waits for a dependency, it does not
 * crash-loop), and, on a
 * full run, at most `maxTimeoutShare` of the accepted orders timed out. A short run reports its share but is not
 * judged on it: over a minute, one slow moment weighs too much.
 */
export function checkLiveness(liveness: Liveness, selfExits: string[], judgeTimeouts: boolean): InvariantResult[] {
  const share = `${(liveness.timeoutShare * 100).toFixed(1)}%`;
  return [
    { name: 'no process exits on its own or fails to start', ok: selfExits.length === 0, detail: selfExits.length === 0 ? 'none' : selfExits.join(', ') },
    {
      name: `at most ${maxTimeoutShare * 100}% of accepted orders cancelled by the deadline`,
      ok: !judgeTimeouts || liveness.timeoutShare <= maxTimeoutShare,
      detail: `${liveness.timedOut} of ${liveness.accepted} (${share})${judgeTimeouts ? '' : '; reported, judged on full runs only'}`,
    },
  ];
}
