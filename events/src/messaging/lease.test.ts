import { CreateQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand, type Message } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { testInfrastructure, uniqueSuffix } from '@bookstore/kit/testing';
import { findQueueUrl } from './addresses';
import { createAwsClients } from './aws';
import { LeaseKeeper } from './lease';

const { sqs } = createAwsClients({ endpoint: testInfrastructure().awsEndpoint });
afterAll(() => sqs.destroy());

const leaseSeconds = 2;

/** A queue with `bodies` sent and received once, each leased for `leaseSeconds`. */
async function received(bodies: string[]): Promise<{ url: string; messages: Message[] }> {
  const name = `lease${uniqueSuffix()}`;
  await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const url = await findQueueUrl(sqs, name);
  await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body })) }));
  const messages: Message[] = [];
  while (messages.length < bodies.length) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: leaseSeconds }));
    messages.push(...Messages);
  }
  return { url, messages };
}

const visibleBodies = async (url: string) =>
  ((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30 }))).Messages ?? []).map(({ Body }) => Body);

describe('LeaseKeeper', () => {
  it('keeps the messages it holds hidden past their lease, and stops renewing one the moment it is released', async () => {
    const { url, messages } = await received(['held', 'released']);
    const leases = new LeaseKeeper(sqs, url, leaseSeconds);
    leases.hold(messages);
    leases.release(messages.find(({ Body }) => Body === 'released')!);

    await sleep((leaseSeconds + 1.5) * 1000);
    expect(await visibleBodies(url)).toEqual(['released']);

    leases.release(messages.find(({ Body }) => Body === 'held')!); // nothing held: the timer stops, and jest can exit
  });
});
