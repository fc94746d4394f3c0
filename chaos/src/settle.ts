import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Topology } from '@bookstore/events';
import type { ServiceName } from '@bookstore/kit';
import { query } from '@bookstore/kit/testing';
import { outboxReport, queueReport } from '@bookstore/ops';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Backlog {
  pendingOrders: number;
  unpublishedEvents: number;
  /** Visible, in flight or delayed on the services' queues (dead-letter queues not counted). */
  queuedMessages: number;
}

async function backlog(sqs: SQSClient, topology: Topology, databaseUrls: Record<ServiceName, string>): Promise<Backlog> {
  const [{ pending }] = (await query<{ pending: number }>(databaseUrls.orders, `SELECT count(*)::int AS pending FROM orders WHERE status = 'PENDING'`)) as [{ pending: number }];
  const outboxes = await outboxReport(databaseUrls);
  const queues = await queueReport(sqs, topology);
  return {
    pendingOrders: pending,
    unpublishedEvents: outboxes.reduce((sum, { unpublished }) => sum + (unpublished ?? Number.NaN), 0),
    queuedMessages: queues.reduce((sum, { visible, inFlight, delayed }) => sum + visible + inFlight + delayed, 0),
  };
}

/**
 * Waits until nothing is left to do: no pending order, no unpublished event, no message on a queue, twice in
 * a row a second apart (a queue count can lag a moment behind). Resolves with the last backlog seen, settled
 * or not once `timeoutMs` has passed.
 */
export async function settle(
  sqs: SQSClient,
  topology: Topology,
  databaseUrls: Record<ServiceName, string>,
  { timeoutMs, onProgress }: { timeoutMs: number; onProgress: (backlog: Backlog) => void },
): Promise<{ settled: boolean; backlog: Backlog }> {
  const deadline = Date.now() + timeoutMs;
  let quietChecks = 0;
  for (;;) {
    const current = await backlog(sqs, topology, databaseUrls).catch(() => undefined);
    const quiet = current !== undefined && current.pendingOrders === 0 && current.unpublishedEvents === 0 && current.queuedMessages === 0;
    quietChecks = quiet ? quietChecks + 1 : 0;
    if (current) onProgress(current);
    if (quietChecks >= 2) return { settled: true, backlog: current! };
    if (Date.now() > deadline) return { settled: false, backlog: current ?? { pendingOrders: Number.NaN, unpublishedEvents: Number.NaN, queuedMessages: Number.NaN } };
    await sleep(1_000);
  }
}
