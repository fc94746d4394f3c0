import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, type Message, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { encodeEvent, EventConsumer, failureAttributes, findQueueUrl, type Consumer } from '@bookstore/events';
import { sampleEvent } from '@bookstore/events/testing';
import { eventually } from '@bookstore/kit/testing';
import { useTestTopology } from './test-topology';
import { peekDeadLetters, redriveDeadLetters, resolveQueue } from './dead-letters';

const { prefix, topology, aws: clients } = useTestTopology();
const queueOf = (consumer: Consumer) => topology.queues.find((queue) => queue.consumer === consumer)!;


const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

async function send(queueName: string, body: string, attributes: Record<string, MessageAttributeValue> = {}): Promise<void> {
  await clients().sqs.send(new SendMessageCommand({ QueueUrl: await findQueueUrl(clients().sqs, queueName), MessageBody: body, MessageAttributes: attributes }));
}

async function depth(queueName: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await clients().sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: await findQueueUrl(clients().sqs, queueName), AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(Attributes.ApproximateNumberOfMessages), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible) };
}

describe('resolveQueue', () => {
  it('finds a queue by its consumer, its name or its DLQ name, with or without the prefix', () => {
    const orders = queueOf('orders');
    for (const name of ['orders', `${prefix}orders-queue`, 'orders-queue', `${prefix}orders-queue-dlq`, 'orders-queue-dlq']) {
      expect(resolveQueue(topology, name)).toBe(orders);
    }
  });

  it('rejects an unknown name, listing the valid ones', () => {
    expect(() => resolveQueue(topology, 'shipping')).toThrow(
      `unknown queue 'shipping'; valid names: catalog, ${prefix}catalog-queue, ${prefix}catalog-queue-dlq, ` +
        `orders, ${prefix}orders-queue, ${prefix}orders-queue-dlq, payments, ${prefix}payments-queue, ${prefix}payments-queue-dlq`,
    );
  });
});

describe('peekDeadLetters', () => {
  it('shows why each message was dead-lettered and leaves every one in the DLQ, visible', async () => {
    const queue = queueOf('catalog');
    const queueUrl = await findQueueUrl(clients().sqs, queue.name);
    const started = Date.now();

    // A message whose handler kept failing: SQS's redrive policy moves it on the receive after maxReceiveCount.
    const failing = sampleEvent('OrderPlaced');
    await send(queue.name, encodeEvent(failing));
    for (let receive = 0; receive <= queue.maxReceiveCount; receive++) {
      await clients().sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0 }));
    }
    // Poison, dead-lettered by the real consumer with its failure attributes.
    const broken = { ...sampleEvent('OrderPlaced'), data: { orderId: 'not-a-uuid' } };
    const consumer = new EventConsumer({ sqs: clients().sqs, queue, handlers: { OrderPlaced: async () => {} }, waitTimeSeconds: 1 });
    await consumer.start();
    try {
      await send(queue.name, '{"id": ');
      await send(queue.name, JSON.stringify(broken));
      await eventually(async () => ((await depth(queue.deadLetterQueueName)).visible === 3 ? true : undefined), { what: '3 dead letters' });
    } finally {
      await consumer.stop();
    }

    const letters = await peekDeadLetters(clients().sqs, queue);
    const byReason = new Map(letters.map((letter) => [letter.reason ?? 'none', letter]));
    expect([...byReason.keys()].sort()).toEqual(['malformed_json', 'none', 'schema_violation']);
    expect(byReason.get('none')).toMatchObject({ body: encodeEvent(failing), eventId: failing.id, type: 'OrderPlaced', correlationId: failing.correlationId, detail: undefined, sourceQueue: undefined });
    expect(byReason.get('none')!.receiveCount).toBeGreaterThan(queue.maxReceiveCount);
    expect(byReason.get('malformed_json')).toMatchObject({ body: '{"id": ', eventId: undefined, type: undefined, sourceQueue: queue.name });
    expect(byReason.get('schema_violation')).toMatchObject({ eventId: broken.id, type: 'OrderPlaced', sourceQueue: queue.name, detail: expect.stringContaining('orderId') });
    for (const { sentAt } of letters) expect(sentAt.getTime()).toBeGreaterThanOrEqual(started - 1_000); // the emulator's clock is this one

    const ids = (peeked: { messageId: string }[]) => peeked.map(({ messageId }) => messageId).sort();
    expect(ids(await peekDeadLetters(clients().sqs, queue))).toEqual(ids(letters));
    expect(await peekDeadLetters(clients().sqs, queue, { limit: 2 })).toHaveLength(2);
    expect(await depth(queue.deadLetterQueueName)).toEqual({ visible: 3, inFlight: 0 });
  });
});

describe('redriveDeadLetters', () => {
  it('on a dry run lists what would move and moves nothing, then moves everything back without the failure attributes', async () => {
    const queue = queueOf('orders');
    const failure = { [failureAttributes.reason]: text('malformed_json'), [failureAttributes.detail]: text('Unexpected end of JSON input'), [failureAttributes.sourceQueue]: text(queue.name) };
    // More than one batch of 10; as SNS delivers them, with the `type` attribute.
    const events = Array.from({ length: 11 }, () => sampleEvent('PaymentSettled'));
    for (const event of events) await send(queue.deadLetterQueueName, encodeEvent(event), { type: text(event.type) });
    await send(queue.deadLetterQueueName, '{"id": ', { trace: text('abc'), ...failure });

    const dryRun = await redriveDeadLetters(clients().sqs, queue, { dryRun: true });
    expect(dryRun).toMatchObject({ deadLetterQueue: queue.deadLetterQueueName, queue: queue.name, dryRun: true, moved: 0, poisonReasons: { malformed_json: 1 } });
    expect(dryRun.wouldMove).toHaveLength(12);
    expect(await depth(queue.deadLetterQueueName)).toEqual({ visible: 12, inFlight: 0 });
    expect(await depth(queue.name)).toEqual({ visible: 0, inFlight: 0 });

    const progress: number[] = [];
    const result = await redriveDeadLetters(clients().sqs, queue, { onProgress: (moved) => progress.push(moved) });
    expect(result).toMatchObject({ dryRun: false, moved: 12, wouldMove: [], poisonReasons: { malformed_json: 1 } });
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(12);
    expect(await depth(queue.deadLetterQueueName)).toEqual({ visible: 0, inFlight: 0 });

    const queueUrl = await findQueueUrl(clients().sqs, queue.name);
    const back: Message[] = [];
    await eventually(async () => {
      const { Messages = [] } = await clients().sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
      back.push(...Messages);
      return back.length >= 12 ? true : undefined;
    });
    const attributesOf = new Map(back.map((message) => [message.Body, message.MessageAttributes]));
    expect([...attributesOf.keys()].sort()).toEqual([...events.map(encodeEvent), '{"id": '].sort());
    const mark = { 'redrive-run': { DataType: 'String', StringValue: expect.any(String) } };
    expect(attributesOf.get('{"id": ')).toEqual({ trace: text('abc'), ...mark });
    for (const event of events) expect(attributesOf.get(encodeEvent(event))).toEqual({ type: text('PaymentSettled'), ...mark });
  });

  it('moves each message once while the consumer still dead-letters them, and leaves those in the DLQ', async () => {
    const queue = queueOf('payments');
    // A consumer that handles nothing: every event is poison to it (unknown_type) and goes straight back.
    const consumer = new EventConsumer({ sqs: clients().sqs, queue, handlers: {}, waitTimeSeconds: 1 });
    await consumer.start();
    try {
      for (let i = 0; i < 3; i++) await send(queue.deadLetterQueueName, encodeEvent(sampleEvent('OrderPlaced')));
      const result = await redriveDeadLetters(clients().sqs, queue);
      expect(result).toMatchObject({ moved: 3, cameBack: 3 });
    } finally {
      await consumer.stop();
    }
    const letters = await peekDeadLetters(clients().sqs, queue);
    expect(letters.map(({ reason }) => reason)).toEqual(['unknown_type', 'unknown_type', 'unknown_type']);
  });
});
