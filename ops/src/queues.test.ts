import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createAwsClients, findQueueUrl, provisionTopology, resolveTopology, type AwsClients } from '@bookstore/events';
import { testInfrastructure, uniqueSuffix } from '@bookstore/kit/testing';
import { queueReport } from './queues';

const topology = resolveTopology(`ops${uniqueSuffix()}-`);
let aws: AwsClients;

beforeAll(async () => {
  aws = createAwsClients({ endpoint: testInfrastructure().awsEndpoint });
  await provisionTopology(aws, topology);
});

afterAll(() => {
  aws.sns.destroy();
  aws.sqs.destroy();
});

it('reports visible, in-flight, delayed and dead messages per queue, and the age of the oldest dead letter', async () => {
  const payments = topology.queues.find(({ consumer }) => consumer === 'payments')!;
  const [queueUrl, deadLetterUrl] = await Promise.all([findQueueUrl(aws.sqs, payments.name), findQueueUrl(aws.sqs, payments.deadLetterQueueName)]);
  const send = (QueueUrl: string, DelaySeconds = 0) => aws.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{}', DelaySeconds }));
  for (let i = 0; i < 3; i++) await send(queueUrl);
  // In flight for a minute; nothing expires during the test, so the emulator's counts are current (see TOOLCHAIN.md).
  await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 60 }));
  await send(queueUrl, 60);
  const beforeDead = Date.now();
  await send(deadLetterUrl);
  const betweenDead = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await send(deadLetterUrl);

  const report = await queueReport(aws.sqs, topology);
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
  const { Attributes = {} } = await aws.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  expect(Attributes).toEqual({ ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '0' });
});
