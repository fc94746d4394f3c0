import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, type Message } from '@aws-sdk/client-sqs';
import { testInfrastructure, uniqueSuffix } from '@bookstore/kit/testing';
import { createAwsClients } from './aws';
import { findQueueUrl } from './addresses';
import { BatchDeleter } from './deleter';

/** A real client against the emulator that counts the requests it sends, by command. */
function countingClient() {
  const { sqs } = createAwsClients({ endpoint: testInfrastructure().awsEndpoint });
  const sent: string[] = [];
  sqs.middlewareStack.add((next, context) => (args) => (sent.push(context.commandName ?? '?'), next(args)), { step: 'initialize' });
  return { sqs, sent };
}

async function queueWith(count: number, sqs: ReturnType<typeof countingClient>['sqs']): Promise<{ url: string; messages: Message[] }> {
  const name = `deleter${uniqueSuffix()}`;
  await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const url = await findQueueUrl(sqs, name);
  for (let start = 0; start < count; start += 10) {
    const entries = Array.from({ length: Math.min(10, count - start) }, (_, index) => ({ Id: String(index), MessageBody: `m${start + index}` }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
  }
  const messages: Message[] = [];
  while (messages.length < count) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60 }));
    messages.push(...Messages);
  }
  return { url, messages };
}

async function remaining(sqs: ReturnType<typeof countingClient>['sqs'], url: string): Promise<number> {
  await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0 })); // the emulator refreshes its counts on a receive
  const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
}

describe('BatchDeleter', () => {
  it('deletes messages handled together in batches of at most ten', async () => {
    const { sqs, sent } = countingClient();
    const { url, messages } = await queueWith(25, sqs);
    sent.length = 0;
    const deleter = new BatchDeleter(sqs, url);
    await Promise.all(messages.map(({ ReceiptHandle }) => deleter.delete(ReceiptHandle!)));
    expect(sent).toEqual(['DeleteMessageBatchCommand', 'DeleteMessageBatchCommand', 'DeleteMessageBatchCommand']);
    expect(await remaining(sqs, url)).toBe(0);
  });

  it('sends a lone message after the linger, without waiting for company', async () => {
    const { sqs } = countingClient();
    const { url, messages } = await queueWith(1, sqs);
    await new BatchDeleter(sqs, url, 5).delete(messages[0]!.ReceiptHandle!);
    expect(await remaining(sqs, url)).toBe(0);
  });

  // Per-entry failures (SQS's ReceiptHandleIsInvalid in `Failed`) cannot be shown here: the emulator accepts
  // any receipt handle. A failed request is the case it can show.
  it('rejects every deletion of a batch whose request failed, so none counts as acknowledged', async () => {
    const sqs = createAwsClients({ endpoint: 'http://127.0.0.1:1' }).sqs;
    const deleter = new BatchDeleter(sqs, 'http://127.0.0.1:1/000000000000/nowhere');
    const outcomes = await Promise.allSettled([deleter.delete('a'), deleter.delete('b')]);
    expect(outcomes.map(({ status }) => status)).toEqual(['rejected', 'rejected']);
  });
});
