import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { findQueueUrl } from '@bookstore/events';
import { queueReport } from './queues';
import { useTestTopology } from './test-topology';

const { topology, aws: clients } = useTestTopology();


it('reports visible, in-flight, delayed and dead messages per queue, and the age of the oldest dead letter', async () => {
  const payments = topology.queues.find(({ consumer }) => consumer === 'payments')!;
  const [queueUrl, deadLetterUrl] = await Promise.all([findQueueUrl(clients().sqs, payments.name), findQueueUrl(clients().sqs, payments.deadLetterQueueName)]);
  const send = (QueueUrl: string, DelaySeconds = 0) => clients().sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{}', DelaySeconds }));
  for (let i = 0; i < 3; i++) await send(queueUrl);
  // In flight for a minute; nothing expires during the test, so the emulator's counts are current (see TOOLCHAIN.md).
  await clients().sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 60 }));
  await send(queueUrl, 60);
  const beforeDead = Date.now();
  await send(deadLetterUrl);
  const betweenDead = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await send(deadLetterUrl);

  const report = await queueReport(clients().sqs, topology);
  const empty = { visible: 0, inFlight: 0, delayed: 0, deadLetters: 0, oldestDeadLetterSentAt: undefined, deadLettersSampled: 0 };
  expect(report).toEqual([
    { consumer: 'catalog', queue: topology.queues[0]!.name, deadLetterQueue: topology.queues[0]!.deadLetterQueueName, ...empty },
    { consumer: 'orders', queue: topology.queues[1]!.name, deadLetterQueue: topology.queues[1]!.deadLetterQueueName, ...empty },
    {
      consumer: 'payments',
      queue: payments.name,
      deadLetterQueue: payments.deadLetterQueueName,
      visible: 2,
      inFlight: 1,
      delayed: 1,
      deadLetters: 2,
      oldestDeadLetterSentAt: expect.any(Date),
      deadLettersSampled: 2,
    },
  ]);
  const oldest = report[2]!.oldestDeadLetterSentAt!.getTime();
  expect(oldest).toBeGreaterThanOrEqual(beforeDead - 5); // the first of the two, on the emulator's (this process's) clock
  expect(oldest).toBeLessThanOrEqual(betweenDead);

  // Peeking the DLQ for the age took nothing away.
  const { Attributes = {} } = await clients().sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  expect(Attributes).toEqual({ ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '0' });
});
