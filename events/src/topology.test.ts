import { contracts, eventTypes, type EventType } from './contracts';
import { serviceNames } from './services';
import {
  consumers,
  deadLetterRetentionSeconds,
  longestRedeliverySeconds,
  maxReceiveCount,
  messageRetentionSeconds,
  resolveTopology,
  topicOfEvent,
  typeAttribute,
  type Consumer,
  type Topology,
} from './topology';

const consumerNames = Object.keys(consumers) as Consumer[];
const consumed = (consumer: Consumer): readonly EventType[] => consumers[consumer].consumes;

/** Contracts that no service reacts to today; anything else must reach at least one queue. */
const consumedByNobody: EventType[] = ['OrderConfirmed'];

describe.each([
  ['without a prefix', undefined, ''],
  ['with a prefix', 'bookstore-test-', 'bookstore-test-'],
])('resolveTopology %s', (_, argument, prefix) => {
  let topology: Topology;
  beforeAll(() => {
    topology = resolveTopology(argument);
  });

  it('has one topic per producer, named after it', () => {
    expect(topology.topics).toHaveLength(serviceNames.length);
    expect(topology.topics.map((topic) => topic.producer).sort()).toEqual([...serviceNames].sort());
    for (const topic of topology.topics) expect(topic.name).toBe(`${prefix}${topic.producer}-events`);
    expect(new Set(topology.topics.map((topic) => topic.name)).size).toBe(topology.topics.length);
  });

  it('has one queue per consumer, each with its own dead-letter queue after maxReceiveCount 5', () => {
    expect(topology.queues.map((queue) => queue.consumer).sort()).toEqual([...consumerNames].sort());
    for (const queue of topology.queues) {
      expect(queue.name).toBe(`${prefix}${queue.consumer}-queue`);
      expect(queue.deadLetterQueueName).toBe(`${queue.name}-dlq`);
      expect(queue.maxReceiveCount).toBe(5);
      expect(queue.visibilityTimeoutSeconds).toBeGreaterThan(0);
    }
    expect(maxReceiveCount).toBe(5);
    const names = topology.queues.flatMap((queue) => [queue.name, queue.deadLetterQueueName]);
    expect(new Set(names).size).toBe(names.length);
  });

  it('subscribes only existing queues to existing topics, with raw delivery and a non-empty filter on the type attribute', () => {
    const topicNames = new Set(topology.topics.map((topic) => topic.name));
    const queueNames = new Set(topology.queues.map((queue) => queue.name));
    expect(topology.subscriptions.length).toBeGreaterThan(0);
    for (const subscription of topology.subscriptions) {
      expect(topicNames).toContain(subscription.topic);
      expect(queueNames).toContain(subscription.queue);
      expect(subscription.rawMessageDelivery).toBe(true);
      expect(Object.keys(subscription.filterPolicy)).toEqual([typeAttribute]);
      expect(subscription.filterPolicy[typeAttribute].length).toBeGreaterThan(0);
    }
    const pairs = topology.subscriptions.map((subscription) => `${subscription.topic} -> ${subscription.queue}`);
    expect(new Set(pairs).size).toBe(pairs.length);
  });

  it.each(consumerNames)("routes every event %s consumes, exactly once, from its producer's topic", (consumer) => {
    const queue = topology.queues.find((candidate) => candidate.consumer === consumer);
    expect(queue).toBeDefined();
    const subscriptions = topology.subscriptions.filter((subscription) => subscription.queue === queue?.name);

    for (const type of consumed(consumer)) {
      const carrying = subscriptions.filter((subscription) => subscription.filterPolicy[typeAttribute].includes(type));
      expect(carrying).toHaveLength(1);
      expect(carrying[0]?.topic).toBe(`${prefix}${contracts[type].producer}-events`);
      expect(carrying[0]?.topic).toBe(topicOfEvent(type, prefix));
    }
    // ... and nothing it does not consume.
    const routed = subscriptions.flatMap((subscription) => subscription.filterPolicy[typeAttribute]);
    expect([...routed].sort()).toEqual([...consumed(consumer)].sort());
  });

  it('routes every contract to someone, except the ones no service consumes', () => {
    const routed = new Set(topology.subscriptions.flatMap((subscription) => subscription.filterPolicy[typeAttribute]));
    const wanted = new Set(consumerNames.flatMap(consumed));
    expect([...routed].sort()).toEqual([...wanted].sort());
    for (const type of routed) expect(eventTypes).toContain(type);

    const unrouted = eventTypes.filter((type) => !routed.has(type));
    // A new contract that nobody consumes is almost always a forgotten `consumes` entry; list it here on purpose.
    expect(unrouted.sort()).toEqual([...consumedByNobody].sort());
    for (const type of consumedByNobody) expect(consumerNames.filter((consumer) => consumed(consumer).includes(type))).toEqual([]);
  });
});

it('keeps environments apart: a prefix changes every name and nothing else', () => {
  const plain = resolveTopology();
  const prefixed = resolveTopology('env-');
  const prefixedNames = [
    ...prefixed.topics.map((topic) => topic.name),
    ...prefixed.queues.flatMap((queue) => [queue.name, queue.deadLetterQueueName]),
  ];
  for (const name of prefixedNames) expect(name.startsWith('env-')).toBe(true);

  const strip = (name: string) => name.replace(/^env-/, '');
  expect(prefixed.topics.map((topic) => ({ ...topic, name: strip(topic.name) }))).toEqual(plain.topics);
  expect(
    prefixed.queues.map((queue) => ({ ...queue, name: strip(queue.name), deadLetterQueueName: strip(queue.deadLetterQueueName) })),
  ).toEqual(plain.queues);
  expect(
    prefixed.subscriptions.map((subscription) => ({ ...subscription, topic: strip(subscription.topic), queue: strip(subscription.queue) })),
  ).toEqual(plain.subscriptions);
});

it('keeps dead letters at least as long as messages, within what SQS allows, and derives the longest redelivery from both', () => {
  const sqsRetention = { min: 60, max: 14 * 24 * 3600 }; // MessageRetentionPeriod's range
  for (const queue of resolveTopology().queues) {
    expect(queue.messageRetentionSeconds).toBe(messageRetentionSeconds);
    expect(queue.deadLetterRetentionSeconds).toBe(deadLetterRetentionSeconds);
  }
  for (const seconds of [messageRetentionSeconds, deadLetterRetentionSeconds]) {
    expect(seconds).toBeGreaterThanOrEqual(sqsRetention.min);
    expect(seconds).toBeLessThanOrEqual(sqsRetention.max);
  }
  // AWS: a standard queue's message expires by its first enqueue time, also in the dead-letter queue, so a DLQ that
  // keeps less than the queue would drop what it receives early.
  expect(deadLetterRetentionSeconds).toBeGreaterThanOrEqual(messageRetentionSeconds);
  // Kept in the DLQ up to its retention, then redriven as a new message that the queue keeps for its own.
  expect(longestRedeliverySeconds).toBe(18 * 24 * 3600);
});
