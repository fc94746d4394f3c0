import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Consumer, Producer, Topology } from '@bookstore/events/topology';

export interface QueueResources {
  spec: Topology['queues'][number];
  queue: aws.sqs.Queue;
  deadLetterQueue: aws.sqs.Queue;
}

/**
 * Topics, queues, dead-letter queues and subscriptions, all derived from the topology in events/, the
 * same data the local stack and the LocalStack init provision from. Everything is encrypted at rest, and
 * each queue accepts messages only from the topics it subscribes to.
 */
export class Messaging extends pulumi.ComponentResource {
  readonly topics = {} as Record<Producer, aws.sns.Topic>;
  readonly queues = {} as Record<Consumer, QueueResources>;

  constructor(name: string, topology: Topology, opts?: pulumi.ComponentResourceOptions) {
    super('bookstore:messaging:Messaging', name, {}, opts);
    // Names are fixed (the services find topics and queues by them), so a replacement must not be created beside
    // the old one: CreateTopic with an existing name returns that topic, which deleting the old one then removes.
    const parent = { parent: this, deleteBeforeReplace: true };
    const topicsByName = new Map<string, aws.sns.Topic>();
    for (const { producer, name: topicName } of topology.topics) {
      const topic = new aws.sns.Topic(topicName, { name: topicName, kmsMasterKeyId: 'alias/aws/sns' }, parent);
      this.topics[producer] = topic;
      topicsByName.set(topicName, topic);
    }

    for (const spec of topology.queues) {
      const deadLetterQueue = new aws.sqs.Queue(spec.deadLetterQueueName, {
        name: spec.deadLetterQueueName,
        messageRetentionSeconds: spec.deadLetterRetentionSeconds,
        sqsManagedSseEnabled: true,
      }, parent);
      const queue = new aws.sqs.Queue(spec.name, {
        name: spec.name,
        visibilityTimeoutSeconds: spec.visibilityTimeoutSeconds,
        receiveWaitTimeSeconds: spec.receiveWaitTimeSeconds,
        sqsManagedSseEnabled: true,
        redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount: spec.maxReceiveCount }),
      }, parent);
      this.queues[spec.consumer] = { spec, queue, deadLetterQueue };

      const subscriptions = topology.subscriptions.filter((subscription) => subscription.queue === spec.name);
      const sources = subscriptions.map(({ topic }) => topicsByName.get(topic)!.arn);
      new aws.sqs.QueuePolicy(spec.name, {
        queueUrl: queue.url,
        policy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [{
            Sid: 'OnlyItsTopics',
            Effect: 'Allow',
            Principal: { Service: 'sns.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: queue.arn,
            Condition: { ArnEquals: { 'aws:SourceArn': sources } },
          }],
        }),
      }, parent);
      for (const subscription of subscriptions) {
        new aws.sns.TopicSubscription(`${subscription.topic}-to-${spec.name}`, {
          topic: topicsByName.get(subscription.topic)!.arn,
          protocol: 'sqs',
          endpoint: queue.arn,
          rawMessageDelivery: true,
          filterPolicy: JSON.stringify(subscription.filterPolicy),
        }, parent);
      }
    }
    this.registerOutputs({});
  }
}
