import { CreateTopicCommand, PublishBatchCommand, PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageBatchCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createAwsClients, findQueueUrl } from '@bookstore/events';
import pg from 'pg';
import { distribution, round, type Distribution } from '@bookstore/kit/testing';
import { startCpuMeter } from './cpu';
import { perSecond } from './stats';

/**
 * The limits the saga runs against, measured on the same endpoint and server in the same run: what one
 * message hop and one transaction cost with nothing of ours in between.
 */
export interface Baselines {
  /**
   * Send, long-poll receive, delete: one message at a time through one queue. `cpuMsPerRequest` is what one of
   * those three requests costs in CPU through the AWS SDK (the client's share, measured in this process) and in
   * the emulator: the floor under every publish, receive and delete the saga makes.
   */
  sqsRoundTrip: { perSecond: number; latencyMs: Distribution; cpuMsPerRequest: { client: number; emulator: number } };
  /**
   * Publish to a topic with two subscribed queues (raw delivery), in a tight loop, one message per request; received
   * from both. `batched`: the same with the transport's batching, as a loaded system uses it: PublishBatch of ten
   * with four requests in flight, each queue drained ten messages a receive and deleted ten a DeleteMessageBatch.
   * (One receiver per queue: with two long polls on one queue, fauxqs once stopped answering both, see TOOLCHAIN.md.)
   */
  snsFanOut: { publishedPerSecond: number; deliveredPerSecond: number; hopLatencyMs: Distribution; batched: { publishedPerSecond: number; deliveredPerSecond: number } };
  /**
   * BEGIN; UPDATE one row; COMMIT with pg: one client in a loop, and eight clients at once. `cpuMs` is what one
   * transaction of the loop costs in CPU, PostgreSQL's and the client's together: the scale for an order's cost.
   */
  postgres: { oneClient: { perSecond: number; latencyMs: Distribution; cpuMs: number }; eightClients: { perSecond: number } };
}

/** `processes` has the server's postmaster and the emulator, whose CPU a transaction's and a request's costs include. */
export async function measureBaselines(
  endpoint: string,
  postgresUrl: string,
  { postgres: postgresPid, emulator: emulatorPid }: Record<string, number | undefined>,
  iterations: number,
): Promise<Baselines> {
  return {
    sqsRoundTrip: await sqsRoundTrip(endpoint, emulatorPid, iterations),
    snsFanOut: await snsFanOut(endpoint, iterations),
    postgres: await postgresTransactions(postgresUrl, postgresPid, iterations * 4),
  };
}

async function sqsRoundTrip(endpoint: string, emulatorPid: number | undefined, iterations: number): Promise<Baselines['sqsRoundTrip']> {
  const { sqs } = createAwsClients({ endpoint });
  await sqs.send(new CreateQueueCommand({ QueueName: 'bench-round-trip' }));
  const QueueUrl = await findQueueUrl(sqs, 'bench-round-trip');
  const latencies: number[] = [];
  const emulator = startCpuMeter(() => ({ emulator: emulatorPid }));
  const client = process.cpuUsage();
  const startedAt = performance.now();
  for (let index = 0; index < iterations; index += 1) {
    const sentAt = performance.now();
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `{"n":${index}}` }));
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 1 }));
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: Messages[0]?.ReceiptHandle }));
    latencies.push(performance.now() - sentAt);
  }
  const elapsedMs = performance.now() - startedAt;
  const { user, system } = process.cpuUsage(client);
  const requests = 3 * iterations;
  return {
    perSecond: perSecond(iterations, elapsedMs),
    latencyMs: distribution(latencies),
    cpuMsPerRequest: { client: round((user + system) / 1000 / requests, 3), emulator: round((1000 * emulator.stop().cpuSeconds) / requests, 3) },
  };
}

async function snsFanOut(endpoint: string, iterations: number): Promise<Baselines['snsFanOut']> {
  const { sns, sqs } = createAwsClients({ endpoint });
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'bench-fan-out' }));
  const queueUrls: string[] = [];
  for (const name of ['bench-fan-out-a', 'bench-fan-out-b']) {
    await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const QueueUrl = await findQueueUrl(sqs, name);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn, Attributes: { RawMessageDelivery: 'true' } }));
    queueUrls.push(QueueUrl);
  }
  /** Receives and deletes `expected` messages from a queue, up to ten a request; resolves when the last is deleted. */
  const drain = async (QueueUrl: string, expected: number) => {
    for (let received = 0; received < expected; ) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 10 }));
      if (Messages.length === 0) throw new Error(`fan-out: ${received} of ${expected} messages arrived`);
      received += Messages.length;
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages.map(({ ReceiptHandle }, index) => ({ Id: String(index), ReceiptHandle })) }));
    }
  };

  // Throughput: publish as fast as one client can while both queues are drained, batch by batch.
  const startedAt = performance.now();
  const draining = Promise.all(queueUrls.map((url) => drain(url, iterations)));
  for (let index = 0; index < iterations; index += 1) await sns.send(new PublishCommand({ TopicArn, Message: `{"n":${index}}` }));
  const publishedMs = performance.now() - startedAt;
  await draining;
  const deliveredMs = performance.now() - startedAt;

  // The same with batching: ten messages a request, four publish requests in flight.
  const batchedCount = iterations * 4;
  const batchedAt = performance.now();
  const batchedDraining = Promise.all(queueUrls.map((url) => drain(url, batchedCount)));
  let next = 0;
  const publisher = async () => {
    while (next < batchedCount) {
      const first = next;
      next = Math.min(batchedCount, next + 10);
      const entries = Array.from({ length: next - first }, (_, index) => ({ Id: String(index), Message: `{"b":${first + index}}` }));
      await sns.send(new PublishBatchCommand({ TopicArn, PublishBatchRequestEntries: entries }));
    }
  };
  await Promise.all(Array.from({ length: 4 }, publisher));
  const batchedPublishedMs = performance.now() - batchedAt;
  await batchedDraining;
  const batchedDeliveredMs = performance.now() - batchedAt;

  // Latency of one hop: publish one message, wait for it on a queue that is already long-polling.
  const hops: number[] = [];
  for (let index = 0; index < Math.min(iterations, 200); index += 1) {
    const receiving = sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrls[0], WaitTimeSeconds: 5, MaxNumberOfMessages: 1 }));
    const publishedAt = performance.now();
    await sns.send(new PublishCommand({ TopicArn, Message: `{"hop":${index}}` }));
    const { Messages = [] } = await receiving;
    hops.push(performance.now() - publishedAt);
    await Promise.all([
      sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrls[0], ReceiptHandle: Messages[0]?.ReceiptHandle })),
      drain(queueUrls[1]!, 1),
    ]);
  }
  return {
    publishedPerSecond: perSecond(iterations, publishedMs),
    deliveredPerSecond: perSecond(iterations * 2, deliveredMs),
    hopLatencyMs: distribution(hops),
    batched: { publishedPerSecond: perSecond(batchedCount, batchedPublishedMs), deliveredPerSecond: perSecond(batchedCount * 2, batchedDeliveredMs) },
  };
}

async function postgresTransactions(serverUrl: string, postgresPid: number | undefined, iterations: number): Promise<Baselines['postgres']> {
  const url = new URL(serverUrl);
  url.pathname = '/postgres';
  const pool = new pg.Pool({ connectionString: url.toString(), max: 8 });
  try {
    await pool.query('CREATE TABLE IF NOT EXISTS bench_counters (id int PRIMARY KEY, n bigint NOT NULL)');
    await pool.query('INSERT INTO bench_counters SELECT g, 0 FROM generate_series(1, 8) g ON CONFLICT DO NOTHING');
    const transaction = async (client: pg.PoolClient, id: number) => {
      await client.query('BEGIN');
      await client.query('UPDATE bench_counters SET n = n + 1 WHERE id = $1', [id]);
      await client.query('COMMIT');
    };
    const client = await pool.connect();
    const latencies: number[] = [];
    const server = startCpuMeter(() => ({ postgres: postgresPid }));
    const driver = process.cpuUsage();
    const startedAt = performance.now();
    try {
      for (let index = 0; index < iterations; index += 1) {
        const began = performance.now();
        await transaction(client, 1);
        latencies.push(performance.now() - began);
      }
    } finally {
      client.release();
    }
    const oneClientMs = performance.now() - startedAt;
    const { user, system } = process.cpuUsage(driver);
    const cpuMs = (1000 * server.stop().cpuSeconds + (user + system) / 1000) / iterations;

    const parallelStartedAt = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        const own = await pool.connect();
        try {
          for (let index = 0; index < iterations / 8; index += 1) await transaction(own, worker + 1);
        } finally {
          own.release();
        }
      }),
    );
    return {
      oneClient: { perSecond: perSecond(iterations, oneClientMs), latencyMs: distribution(latencies), cpuMs: round(cpuMs, 3) },
      eightClients: { perSecond: perSecond(iterations, performance.now() - parallelStartedAt) },
    };
  } finally {
    await pool.query('DROP TABLE IF EXISTS bench_counters').catch(() => undefined);
    await pool.end();
  }
}
