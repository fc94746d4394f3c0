import { randomUUID } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  type QueueAttributeName,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { eventually, testInfrastructure, uniqueSuffix } from '@bookstore/kit/testing';
import { contracts, type AnyEvent, type EventType } from '../contracts';
import { consumers, resolveTopology, topicOfEvent, typeAttribute, type ConsumedBy, type Consumer, type QueueSpec, type Topology } from '../topology';
import { findQueueUrl } from './addresses';
import { createAwsClients, type AwsClients } from './aws';
import { defaultLeaseSeconds, EventConsumer, type EventHandlers } from './consumer';
import { encodeEvent, NewerVersionError } from './decode';
import { silentLogger } from './logger';
import { sampleEvent } from '../testing';
import { failureAttributes } from './poison';
import { provisionTopology, type ProvisionedTopology } from './provisioner';
import { EventPublisher } from './publisher';

/** This file's names on the shared emulator; each test below gets its own topology under it. */
const filePrefix = `t${uniqueSuffix()}-`;
let tests = 0;
let aws: AwsClients;
let prefix: string;
let topology: Topology;
let provisioned: ProvisionedTopology;
const running: { stop(): Promise<void> }[] = [];

beforeAll(() => {
  aws = createAwsClients({ endpoint: testInfrastructure().awsEndpoint });
});

// Fresh queues per test, so that a message one test leaves behind never reaches the next one.
beforeEach(async () => {
  prefix = `${filePrefix}${++tests}-`;
  topology = resolveTopology(prefix);
  provisioned = await provisionTopology(aws, topology);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
});

afterAll(() => {
  aws?.sns.destroy();
  aws?.sqs.destroy();
});

const makeEvent = (type: EventType) => sampleEvent(type);

function queueOf(consumer: Consumer): QueueSpec {
  const queue = topology.queues.find((candidate) => candidate.consumer === consumer);
  if (!queue) throw new Error(`no queue for ${consumer}`);
  return queue;
}

/** Starts a consumer on a queue of the test topology whose every handler calls `handle`. */
async function consume<C extends Consumer>(
  consumer: C,
  handle: (event: AnyEvent) => Promise<void>,
  waitTimeSeconds = 1,
): Promise<EventConsumer<ConsumedBy<C>>> {
  const queue = queueOf(consumer);
  const handlers = Object.fromEntries(consumers[consumer].consumes.map((type) => [type, handle])) as unknown as EventHandlers<ConsumedBy<C>>;
  const eventConsumer = new EventConsumer({
    sqs: aws.sqs,
    queue,
    handlers,
    waitTimeSeconds,
  });
  running.push(eventConsumer);
  await eventConsumer.start();
  return eventConsumer;
}

/**
 * A TCP gate in front of the emulator, shut at first: it drops every connection (as an unreachable broker does)
 * until opened, then passes them through.
 */
async function shutGate(target: string): Promise<{ endpoint: string; open(): void; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  let open = false;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => (sockets.add(socket), socket.on('close', () => sockets.delete(socket)), socket.on('error', () => socket.destroy()));
  const server = createServer((client) => {
    track(client);
    if (!open) return void client.destroy();
    const upstream = track(connect(Number(port), hostname));
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    open: () => void (open = true),
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Messages in a queue, visible or not: 0 means every message was deleted (acknowledged). */
async function messagesIn(
  queueName: string,
  counts: QueueAttributeName[] = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
): Promise<number> {
  const { Attributes = {} } = await aws.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: await findQueueUrl(aws.sqs, queueName), AttributeNames: counts }),
  );
  return counts.reduce((sum, name) => sum + Number(Attributes[name] ?? 0), 0);
}

const emptied = (queueName: string) =>
  eventually(async () => ((await messagesIn(queueName)) === 0 ? true : undefined), { what: `${queueName} to be empty`, timeoutMs: 10_000 });

async function send(queueName: string, body: string): Promise<void> {
  await aws.sqs.send(new SendMessageCommand({ QueueUrl: await findQueueUrl(aws.sqs, queueName), MessageBody: body }));
}

/** Receives (and deletes) `count` messages from a queue, with their attributes. */
async function receive(queueName: string, count: number): Promise<Message[]> {
  const queueUrl = await findQueueUrl(aws.sqs, queueName);
  const received: Message[] = [];
  await eventually(
    async () => {
      const { Messages = [] } = await aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
      );
      for (const message of Messages) {
        received.push(message);
        await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
      return received.length >= count ? received : undefined;
    },
    { what: `${count} messages in ${queueName}` },
  );
  return received;
}

describe('provisionTopology', () => {
  it('is idempotent: a second run creates no queue and no subscription twice', async () => {
    const again = await provisionTopology(aws, topology);
    expect(again).toEqual(provisioned);

    const { QueueUrls = [] } = await aws.sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
    const names = QueueUrls.map((url) => url.split('/').pop()).sort();
    expect(names).toEqual(topology.queues.flatMap((queue) => [queue.name, queue.deadLetterQueueName]).sort());
    for (const url of QueueUrls) expect(Object.values(provisioned.queueUrls)).toContain(url);

    const queueArn = async (name: string) => {
      const { Attributes } = await aws.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: await findQueueUrl(aws.sqs, name), AttributeNames: ['QueueArn'] }),
      );
      return Attributes?.QueueArn;
    };
    for (const topic of topology.topics) {
      const topicArn = provisioned.topicArns[topic.name];
      const { Subscriptions = [] } = await aws.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
      const expected = topology.subscriptions.filter((subscription) => subscription.topic === topic.name);
      expect(Subscriptions).toHaveLength(expected.length);
      for (const subscription of expected) {
        const arn = await queueArn(subscription.queue);
        const onQueue = Subscriptions.filter(({ Endpoint }) => Endpoint === arn);
        expect(onQueue).toHaveLength(1);
        const { Attributes = {} } = await aws.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: onQueue[0]?.SubscriptionArn }));
        expect(Attributes.RawMessageDelivery).toBe('true');
        expect(JSON.parse(Attributes.FilterPolicy ?? '{}')).toEqual(subscription.filterPolicy);
      }
    }
  });

  it('brings the filter policy of an existing subscription up to date when a consumer starts consuming another type', async () => {
    const grown = resolveTopology(`${prefix}grown-`);
    const subscription = grown.subscriptions.find(({ filterPolicy }) => filterPolicy[typeAttribute].length > 1);
    if (!subscription) throw new Error('the topology has no subscription with more than one type');
    // The environment as it was provisioned before the last type was added to `consumes`.
    const before: Topology = {
      ...grown,
      subscriptions: grown.subscriptions.map((candidate) =>
        candidate === subscription ? { ...candidate, filterPolicy: { [typeAttribute]: candidate.filterPolicy[typeAttribute].slice(0, -1) } } : candidate,
      ),
    };
    await provisionTopology(aws, before);

    const { topicArns } = await provisionTopology(aws, grown);

    const { Attributes: queue = {} } = await aws.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: await findQueueUrl(aws.sqs, subscription.queue), AttributeNames: ['QueueArn'] }),
    );
    const { Subscriptions = [] } = await aws.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArns[subscription.topic] }));
    const onQueue = Subscriptions.filter(({ Endpoint }) => Endpoint === queue.QueueArn);
    expect(onQueue).toHaveLength(1);
    const { Attributes = {} } = await aws.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: onQueue[0]?.SubscriptionArn }));
    expect(JSON.parse(Attributes.FilterPolicy ?? '{}')).toEqual(subscription.filterPolicy);
  });

  it('gives every queue a redrive policy to its own dead-letter queue, and the topology timeouts and retentions', async () => {
    for (const queue of topology.queues) {
      const { Attributes = {} } = await aws.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: await findQueueUrl(aws.sqs, queue.name),
          AttributeNames: ['RedrivePolicy', 'VisibilityTimeout', 'ReceiveMessageWaitTimeSeconds', 'MessageRetentionPeriod'],
        }),
      );
      const { Attributes: dlq = {} } = await aws.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: await findQueueUrl(aws.sqs, queue.deadLetterQueueName), AttributeNames: ['QueueArn', 'MessageRetentionPeriod'] }),
      );
      expect(Number(Attributes.MessageRetentionPeriod)).toBe(queue.messageRetentionSeconds);
      expect(Number(dlq.MessageRetentionPeriod)).toBe(queue.deadLetterRetentionSeconds);
      const redrive = JSON.parse(Attributes.RedrivePolicy ?? '{}');
      expect(redrive.deadLetterTargetArn).toBe(dlq.QueueArn);
      expect(Number(redrive.maxReceiveCount)).toBe(queue.maxReceiveCount);
      expect(Number(Attributes.VisibilityTimeout)).toBe(queue.visibilityTimeoutSeconds);
      expect(Number(Attributes.ReceiveMessageWaitTimeSeconds)).toBe(queue.receiveWaitTimeSeconds);
    }
  });
});

describe('EventPublisher and EventConsumer', () => {
  it("publishes a batch across two topics and each queue receives exactly the types its filter policy names", async () => {
    const types: EventType[] = ['OrderPlaced', 'OrderConfirmed', 'OrderCancelled', 'BookUpserted', 'InventoryReserved', 'InventoryRejected', 'InventoryReleased'];
    const events = Array.from({ length: 25 }, (_, index) => makeEvent(types[index % types.length] as EventType));
    expect(new Set(events.map((event) => contracts[event.type].producer))).toEqual(new Set(['orders', 'catalog']));

    const outcome = await new EventPublisher(aws.sns, prefix).publish(events.map((event) => ({ event })));
    expect(outcome.failed).toEqual([]);
    expect([...outcome.published].sort()).toEqual(events.map((event) => event.id).sort());

    // What each queue should get, read from the subscriptions: the producer's topic and the filter policy.
    const expected = new Map(
      topology.queues.map((queue) => [
        queue.consumer,
        events.filter((event) =>
          topology.subscriptions.some(
            (subscription) =>
              subscription.queue === queue.name &&
              subscription.topic === topicOfEvent(event.type, prefix) &&
              subscription.filterPolicy[typeAttribute].includes(event.type),
          ),
        ),
      ]),
    );
    expect(expected.get('orders')?.length).toBeGreaterThan(0);
    expect(expected.get('catalog')?.length).toBeGreaterThan(0);
    expect(expected.get('payments')?.length).toBeGreaterThan(0);

    // Before anyone consumes: each queue holds exactly its share, so nothing else arrived late.
    for (const queue of topology.queues) {
      const count = expected.get(queue.consumer)?.length;
      await eventually(async () => ((await messagesIn(queue.name)) === count ? true : undefined), { what: `${count} messages in ${queue.name}` });
    }

    const received = new Map<Consumer, AnyEvent[]>(topology.queues.map((queue) => [queue.consumer, []]));
    for (const queue of topology.queues) {
      await consume(queue.consumer, async (event) => {
        received.get(queue.consumer)?.push(event);
      });
    }
    for (const queue of topology.queues) {
      const wanted = expected.get(queue.consumer) ?? [];
      await eventually(async () => ((received.get(queue.consumer)?.length ?? 0) >= wanted.length ? true : undefined), {
        what: `${queue.consumer} to handle ${wanted.length} events`,
      });
      await emptied(queue.name);
      const byId = (a: AnyEvent, b: AnyEvent) => a.id.localeCompare(b.id);
      expect([...(received.get(queue.consumer) ?? [])].sort(byId)).toEqual([...wanted].sort(byId));
    }
  });

  it('leaves a message whose handler throws to be retried, and handles it again later', async () => {
    const event = makeEvent('OrderPlaced');
    const attempts: { id: string; at: number }[] = [];
    await consume('catalog', async (handled) => {
      attempts.push({ id: handled.id, at: Date.now() });
      if (attempts.length === 1) throw new Error('database unavailable');
    });
    await send(queueOf('catalog').name, encodeEvent(event));

    await eventually(async () => (attempts.length >= 2 ? true : undefined), { what: 'a retry', timeoutMs: 6_000 });
    await emptied(queueOf('catalog').name);
    expect(attempts.map(({ id }) => id)).toEqual([event.id, event.id]);
    // The first retry waits 2^1 s (exponential backoff): not at once, and not the queue's visibility timeout.
    const delay = (attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0);
    expect(delay).toBeGreaterThanOrEqual(1_500);
    expect(delay).toBeLessThan(4_000);
    const { Messages = [] } = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: await findQueueUrl(aws.sqs, queueOf('catalog').deadLetterQueueName), WaitTimeSeconds: 0 }),
    );
    expect(Messages).toEqual([]);
  });

  it('retries a handler that failed transiently in process, within about a second, before the queue would', async () => {
    const queue = queueOf('catalog');
    const attempts: number[] = [];
    const outage = Object.assign(new Error('database restarting'), { transient: true });
    const handlers = Object.fromEntries(
      consumers.catalog.consumes.map((type) => [
        type,
        async () => {
          attempts.push(Date.now());
          if (attempts.length <= 2) throw outage;
        },
      ]),
    ) as unknown as EventHandlers<ConsumedBy<'catalog'>>;
    const consumer = new EventConsumer({ sqs: aws.sqs, queue, handlers, waitTimeSeconds: 1, isTransient: (error) => (error as { transient?: boolean }).transient === true });
    running.push(consumer);
    await consumer.start();
    await send(queue.name, encodeEvent(makeEvent('OrderPlaced')));

    await eventually(async () => (attempts.length >= 3 ? true : undefined), { what: 'the third attempt', timeoutMs: 6_000 });
    await emptied(queue.name);
    // 0.25 s, then 0.5 s: in process, where the queue's own first retry would have waited 2 s and counted a receive.
    expect(attempts.at(-1)! - attempts[0]!).toBeLessThan(1_500);
    expect(attempts).toHaveLength(3);
  });

  it('moves poison messages to the dead-letter queue at once, with the reason, and keeps handling good ones', async () => {
    const queue = queueOf('payments');
    const valid = JSON.parse(encodeEvent(makeEvent('OrderPlaced')));
    const schemaViolation = JSON.stringify({ ...valid, id: randomUUID(), data: { ...valid.data, totalCents: 'a lot' } });
    const notHandledHere = encodeEvent(makeEvent('PaymentSettled'));
    await send(queue.name, 'not json');
    await send(queue.name, schemaViolation);
    await send(queue.name, notHandledHere);
    const good = makeEvent('OrderCancelled');
    await send(queue.name, encodeEvent(good));

    const handled: AnyEvent[] = [];
    await consume('payments', async (event) => {
      handled.push(event);
    });

    const deadLettered = await receive(queue.deadLetterQueueName, 3);
    const reasons = Object.fromEntries(deadLettered.map((message) => [message.Body, message.MessageAttributes?.[failureAttributes.reason]?.StringValue]));
    expect(reasons).toEqual({ 'not json': 'malformed_json', [schemaViolation]: 'schema_violation', [notHandledHere]: 'unknown_type' });
    for (const message of deadLettered) {
      expect(message.MessageAttributes?.[failureAttributes.sourceQueue]?.StringValue).toBe(queue.name);
      expect(message.MessageAttributes?.[failureAttributes.detail]?.StringValue).toEqual(expect.any(String));
    }

    await eventually(async () => (handled.length > 0 ? true : undefined), { what: 'the good event' });
    await emptied(queue.name);
    expect(handled).toEqual([good]);
  });

  it('leaves an event of a version newer than its code for a retry (a consumer on the new code will read it), not for the dead-letter queue', async () => {
    const queue = queueOf('catalog');
    const fromTheFuture = JSON.stringify({ ...JSON.parse(encodeEvent(makeEvent('OrderPlaced'))), version: contracts.OrderPlaced.version + 1 });
    const retried: unknown[] = [];
    const logger = { ...silentLogger, warn: (details: object) => retried.push((details as { err?: unknown }).err) };
    const handled: AnyEvent[] = [];
    const handlers = Object.fromEntries(consumers.catalog.consumes.map((type) => [type, async (event: AnyEvent) => void handled.push(event)]));
    const consumer = new EventConsumer({ sqs: aws.sqs, queue, handlers: handlers as unknown as EventHandlers<ConsumedBy<'catalog'>>, waitTimeSeconds: 1, logger });
    running.push(consumer);
    await consumer.start();
    await send(queue.name, fromTheFuture);

    await eventually(async () => (retried.length > 0 ? true : undefined), { what: 'the newer event to be left for a retry' });
    expect(retried[0]).toBeInstanceOf(NewerVersionError);
    expect(handled).toEqual([]);
    expect(await messagesIn(queue.deadLetterQueueName)).toBe(0);
  });

  describe('with a unit of work (a batch handled together)', () => {
    /** A stand-in for one database transaction: what handlers record inside it is kept only when all of it succeeds. */
    function transactionDouble() {
      const kept: string[] = [];
      const units: { events: number; ok: boolean }[] = [];
      let open: string[] | undefined;
      return {
        kept,
        units,
        unitOfWork: async (work: () => Promise<void>) => {
          open = [];
          try {
            await work();
            kept.push(...open);
            units.push({ events: open.length, ok: true });
          } catch (error) {
            units.push({ events: open.length, ok: false });
            throw error;
          } finally {
            open = undefined;
          }
        },
        record: (id: string) => (open ?? kept).push(id),
      };
    }

    async function consumeInUnits(transaction: ReturnType<typeof transactionDouble>, handle: (event: AnyEvent) => void) {
      const queue = queueOf('catalog');
      const handler = async (event: AnyEvent) => {
        handle(event);
        transaction.record(event.id);
      };
      const handlers = Object.fromEntries(consumers.catalog.consumes.map((type) => [type, handler])) as unknown as EventHandlers<ConsumedBy<'catalog'>>;
      const consumer = new EventConsumer({ sqs: aws.sqs, queue, handlers, waitTimeSeconds: 1, unitOfWork: transaction.unitOfWork });
      running.push(consumer);
      await consumer.start();
    }

    it('handles the events of a received batch in one unit, acknowledges them, and still dead-letters poison on its own', async () => {
      const queue = queueOf('catalog');
      const events = Array.from({ length: 6 }, () => makeEvent('OrderPlaced'));
      for (const event of events) await send(queue.name, encodeEvent(event));
      await send(queue.name, 'not json');
      const transaction = transactionDouble();

      await consumeInUnits(transaction, () => undefined);

      await eventually(async () => (transaction.kept.length === events.length ? true : undefined), { what: 'every event kept' });
      await emptied(queue.name);
      expect([...transaction.kept].sort()).toEqual(events.map(({ id }) => id).sort());
      expect(transaction.units.some(({ events: count }) => count > 1)).toBe(true);
      expect(transaction.units.every(({ ok }) => ok)).toBe(true);
      expect((await receive(queue.deadLetterQueueName, 1)).map(({ Body }) => Body)).toEqual(['not json']);
    });

    it('when the unit fails, handles each of its events on its own: the neighbours are kept once, the failing one is retried', async () => {
      const queue = queueOf('catalog');
      const events = Array.from({ length: 4 }, () => makeEvent('OrderPlaced'));
      const failing = events[1]!;
      for (const event of events) await send(queue.name, encodeEvent(event));
      const transaction = transactionDouble();
      let failures = 0;

      await consumeInUnits(transaction, (event) => {
        // Fails in the unit, and once more on its own: the queue retries it later.
        if (event.id === failing.id && failures < 2) throw new Error(`failure ${++failures}`);
      });

      await eventually(async () => (transaction.kept.length === events.length ? true : undefined), { what: 'every event kept', timeoutMs: 8_000 });
      await emptied(queue.name);
      expect([...transaction.kept].sort()).toEqual(events.map(({ id }) => id).sort());
      expect(transaction.units.filter(({ ok }) => !ok)).not.toHaveLength(0);
    });
  });

  it('stop() resolves only after the handlers in flight have finished, and acknowledges their messages', async () => {
    const queue = queueOf('orders');
    const event = makeEvent('PaymentSettled');
    let started = false;
    let finished = false;
    const consumer = await consume('orders', async () => {
      started = true;
      await new Promise((resolve) => setTimeout(resolve, 750));
      finished = true;
    });
    await send(queue.name, encodeEvent(event));
    await eventually(async () => (started ? true : undefined), { what: 'the handler to start' });

    await consumer.stop();
    expect(finished).toBe(true);
    expect(consumer.isRunning).toBe(false);
    expect(await messagesIn(queue.name)).toBe(0);
  });

  it("stop() gives up the queue's long poll in flight at once, and a message that the abandoned receive takes reaches the next consumer within seconds", async () => {
    const queue = queueOf('orders');
    // The production long poll, the queue's own, longer than docker stop's 10 s before SIGKILL.
    const warmUp = makeEvent('PaymentSettled');
    let warmedUp = false;
    const first = await consume('orders', async () => {
      warmedUp = true;
    }, queue.receiveWaitTimeSeconds);
    await send(queue.name, encodeEvent(warmUp));
    await eventually(async () => (warmedUp ? true : undefined), { what: 'the first consumer to handle an event' });
    await emptied(queue.name);
    // The first consumer now long-polls again; give that request time to reach the endpoint (nothing to poll for).
    await new Promise((resolve) => setTimeout(resolve, 250));

    const stopping = performance.now();
    await first.stop();
    const stopSeconds = (performance.now() - stopping) / 1000;
    // Well inside docker stop's 10 s, with most of the poll still to go: stop() did not wait for it.
    expect({ stopSeconds, within: stopSeconds < 5 }).toEqual({ stopSeconds, within: true });

    // SQS (and the emulator) never learn that the client gave up: the abandoned receive is still open on the
    // server and takes the next message, whose answer nobody reads. That is the message stop() must not lose.
    const event = makeEvent('PaymentDeclined');
    await send(queue.name, encodeEvent(event));
    const { Messages: visible = [] } = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: await findQueueUrl(aws.sqs, queue.name), WaitTimeSeconds: 0, VisibilityTimeout: 0 }),
    );
    expect(visible).toEqual([]); // taken, and hidden, by the abandoned receive

    const handled: AnyEvent[] = [];
    await consume('orders', async (received) => {
      handled.push(received);
    });
    // Back after the consumer's short lease, not after the queue's visibility timeout.
    const outcome = await eventually(async () => (handled.length > 0 ? 'handled' : undefined), { timeoutMs: 15_000 }).catch(
      async () => `not handled after 15 s; ${await messagesIn(queue.name, ['ApproximateNumberOfMessagesNotVisible'])} message(s) in flight, taken by no running consumer`,
    );
    expect(outcome).toBe('handled');
    expect(handled.map(({ id }) => id)).toEqual([event.id]);
  });

  it('starts while SNS/SQS cannot be reached, and consumes once it can, instead of failing to start', async () => {
    const gate = await shutGate(testInfrastructure().awsEndpoint);
    const { sqs } = createAwsClients({ endpoint: gate.endpoint });
    try {
      const queue = queueOf('catalog');
      const handled: AnyEvent[] = [];
      const handlers = Object.fromEntries(consumers.catalog.consumes.map((type) => [type, async (event: AnyEvent) => void handled.push(event)]));
      const consumer = new EventConsumer({ sqs, queue, handlers: handlers as unknown as EventHandlers<ConsumedBy<'catalog'>>, waitTimeSeconds: 1 });
      running.push(consumer);
      await consumer.start();
      expect(consumer.isRunning).toBe(false);

      const event = makeEvent('OrderPlaced');
      await send(queue.name, encodeEvent(event));
      await new Promise((resolve) => setTimeout(resolve, 500));
      gate.open();
      await eventually(async () => (handled.length > 0 ? true : undefined), { what: 'the event, once SQS is reachable', timeoutMs: 10_000 });
      expect(handled).toEqual([event]);
      expect(consumer.isRunning).toBe(true);
    } finally {
      await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
      sqs.destroy();
      await gate.close();
    }
  });

  it('stops at once while it is still waiting for SNS/SQS to be reachable', async () => {
    const gate = await shutGate(testInfrastructure().awsEndpoint);
    const { sqs } = createAwsClients({ endpoint: gate.endpoint });
    try {
      const consumer = new EventConsumer({ sqs, queue: queueOf('orders'), handlers: {} as EventHandlers<ConsumedBy<'orders'>>, waitTimeSeconds: 1 });
      await consumer.start();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const stoppingAt = Date.now();
      await consumer.stop();
      expect(Date.now() - stoppingAt).toBeLessThan(1_000);
      gate.open();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(consumer.isRunning).toBe(false); // and it did not start after all once the queue was reachable
    } finally {
      sqs.destroy();
      await gate.close();
    }
  });

  it('renews the short lease while a handler runs longer than it, so a second consumer never gets the message meanwhile', async () => {
    const queue = queueOf('orders');
    const event = makeEvent('PaymentSettled');
    const deliveries: string[] = [];
    const slowly = async (received: AnyEvent) => {
      deliveries.push(received.id);
      await new Promise((resolve) => setTimeout(resolve, (defaultLeaseSeconds + 3) * 1000)); // longer than the lease
    };
    await consume('orders', slowly);
    await consume('orders', slowly);
    await send(queue.name, encodeEvent(event));
    await eventually(async () => ((await messagesIn(queue.name)) === 0 ? true : undefined), { what: 'the message to be handled', timeoutMs: 20_000 });
    expect(deliveries).toEqual([event.id]);
  });

});
