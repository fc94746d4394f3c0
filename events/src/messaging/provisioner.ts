import { CreateTopicCommand, ListSubscriptionsByTopicCommand, SetSubscriptionAttributesCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Topology } from '../topology';

export interface ProvisionedTopology {
  topicArns: Record<string, string>;
  queueUrls: Record<string, string>;
}

/**
 * Creates every topic, queue, dead-letter queue and subscription of a topology. Idempotent: running it
 * again changes nothing, so the local stack, tests and the LocalStack init all call it on every start.
 * In AWS the Pulumi stack creates the same resources from the same topology instead.
 */
export async function provisionTopology({ sns, sqs }: { sns: SNSClient; sqs: SQSClient }, topology: Topology): Promise<ProvisionedTopology> {
  const topicArns: Record<string, string> = {};
  for (const topic of topology.topics) {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: topic.name }));
    topicArns[topic.name] = required(TopicArn, `topic ${topic.name}`);
  }

  const queueUrls: Record<string, string> = {};
  const queueArns: Record<string, string> = {};
  const createQueue = async (name: string, attributes: Record<string, string>) => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    queueUrls[name] = required(QueueUrl, `queue ${name}`);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    queueArns[name] = required(Attributes?.QueueArn, `ARN of queue ${name}`);
  };
  for (const queue of topology.queues) {
    await createQueue(queue.deadLetterQueueName, { MessageRetentionPeriod: String(queue.deadLetterRetentionSeconds) });
    await createQueue(queue.name, {
      MessageRetentionPeriod: String(queue.messageRetentionSeconds),
      VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
      ReceiveMessageWaitTimeSeconds: String(queue.receiveWaitTimeSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArns[queue.deadLetterQueueName], maxReceiveCount: queue.maxReceiveCount }),
    });
  }

  for (const subscription of topology.subscriptions) {
    const topicArn = topicArns[subscription.topic];
    const queueArn = queueArns[subscription.queue];
    const filterPolicy = JSON.stringify(subscription.filterPolicy);
    const existing = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    const current = existing.Subscriptions?.find(({ Endpoint }) => Endpoint === queueArn);
    if (current?.SubscriptionArn) {
      // The queue may consume more (or fewer) types than when it was first subscribed.
      await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: current.SubscriptionArn, AttributeName: 'FilterPolicy', AttributeValue: filterPolicy }));
      continue;
    }
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: queueArn,
        ReturnSubscriptionArn: true,
        Attributes: { RawMessageDelivery: 'true', FilterPolicy: filterPolicy },
      }),
    );
  }

  // Real SNS needs the queue's permission to deliver; emulators ignore the policy.
  for (const queue of topology.queues) {
    const sources = topology.subscriptions.filter((s) => s.queue === queue.name).map((s) => topicArns[s.topic]);
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queueUrls[queue.name],
        Attributes: {
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'sns.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: queueArns[queue.name],
                Condition: { ArnEquals: { 'aws:SourceArn': sources } },
              },
            ],
          }),
        },
      }),
    );
  }
  return { topicArns, queueUrls };
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the endpoint returned no ${what}`);
  return value;
}
