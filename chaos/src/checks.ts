import type { SQSClient } from '@aws-sdk/client-sqs';
import type { InvariantResult } from '@bookstore/apphost/testing';
import type { Topology } from '@bookstore/events';
import { query } from '@bookstore/kit/testing';
import { peekDeadLetters } from '@bookstore/ops';
import type { PoisonMessage } from './poison';

/** Every poison message ended in a dead-letter queue, and nothing else did: no real event was given up on. */
export async function checkDeadLetters(sqs: SQSClient, topology: Topology, poison: PoisonMessage[]): Promise<InvariantResult> {
  const dead = (await Promise.all(topology.queues.map((queue) => peekDeadLetters(sqs, queue, { limit: 10_000 })))).flat();
  const deadBodies = new Set(dead.map(({ body }) => body));
  const poisonBodies = new Set(poison.map(({ body }) => body));
  const missing = poison.filter(({ body }) => !deadBodies.has(body));
  const extra = dead.filter(({ body }) => !poisonBodies.has(body));
  const ok = missing.length === 0 && extra.length === 0;
  const offenders = [
    ...missing.map(({ queue, reason }) => `poison (${reason}) on ${queue} not dead-lettered`),
    ...extra.map(({ type, eventId, sourceQueue, reason }) => `${type ?? 'a message'} ${eventId ?? ''} dead-lettered from ${sourceQueue ?? 'a queue'} (${reason ?? 'too many failed receives'})`),
  ];
  return {
    name: 'every poison message, and nothing else, in a dead-letter queue',
    ok,
    detail: `${poison.length} poison sent, ${dead.length} dead letters${ok ? '' : `; ${offenders.slice(0, 5).join('; ')}`}`,
  };
}

/** Nothing that was accepted is lost: every order the API answered 202 for is in Orders' database. */
export async function checkAcceptedOrders(ordersDatabaseUrl: string, acceptedIds: string[]): Promise<InvariantResult> {
  const rows = await query<{ id: string }>(ordersDatabaseUrl, 'SELECT id::text FROM orders WHERE id = ANY($1::uuid[])', [acceptedIds]);
  const found = new Set(rows.map(({ id }) => id));
  const lost = acceptedIds.filter((id) => !found.has(id));
  return {
    name: 'every accepted order is kept',
    ok: lost.length === 0,
    detail: `${acceptedIds.length} accepted, ${found.size} found${lost.length ? `; lost: ${lost.slice(0, 5).join(', ')}` : ''}`,
  };
}
