import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { findQueueUrl, type PoisonReason, type Topology } from '@bookstore/events';
import { sampleEvent } from '@bookstore/events/testing';
import { randomUUID } from 'node:crypto';

export interface PoisonMessage {
  queue: string;
  reason: PoisonReason;
  body: string;
}

/** Messages no consumer can ever handle, one kind per reason; each body is unique so it can be found again. */
function poisonBody(reason: PoisonReason): string {
  const event = sampleEvent('OrderCancelled', randomUUID());
  switch (reason) {
    case 'malformed_json':
      return `{"id": "${randomUUID()}", "type": `;
    case 'invalid_envelope':
      return JSON.stringify({ hello: 'world', nonce: randomUUID() });
    case 'unknown_type':
      return JSON.stringify({ ...event, type: 'BookBurned' });
    case 'unsupported_version':
      return JSON.stringify({ ...event, version: 99 });
    case 'schema_violation':
      return JSON.stringify({ ...event, data: { orderId: 'not-a-uuid', reason: 'whim' } });
  }
}

const reasons: PoisonReason[] = ['malformed_json', 'invalid_envelope', 'unknown_type', 'unsupported_version', 'schema_violation'];

/** Drops one poison message on a random queue of the topology (straight onto the queue, as a buggy producer would). */
export async function dropPoison(sqs: SQSClient, topology: Topology, random: () => number): Promise<PoisonMessage> {
  const queue = topology.queues[Math.floor(random() * topology.queues.length)]!.name;
  const reason = reasons[Math.floor(random() * reasons.length)]!;
  const body = poisonBody(reason);
  await sqs.send(new SendMessageCommand({ QueueUrl: await findQueueUrl(sqs, queue), MessageBody: body }));
  return { queue, reason, body };
}
