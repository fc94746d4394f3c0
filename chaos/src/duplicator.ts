import { SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { findQueueUrl, findTopicArn, typeAttribute, type AwsClients, type Topology } from '@bookstore/events';

export interface DuplicatorTally {
  /** Events seen on the topics. */
  seen: number;
  /** Second copies sent to consuming queues; some of them delayed. */
  sent: number;
  delayed: number;
}

/**
 * Sends every event a second time, and some of them late: a queue of its own is subscribed to every topic
 * (unfiltered), and each event it receives is sent again to each queue that consumes it, a third of them with
 * a delay of up to 15 s, so a copy can arrive after the order was decided or after a later event.
 */
export class Duplicator {
  readonly tally: DuplicatorTally = { seen: 0, sent: 0, delayed: 0 };
  private stopped = false;
  private loop?: Promise<void>;

  private constructor(
    private readonly aws: AwsClients,
    private readonly queueUrl: string,
    private readonly consumingQueues: Map<string, string[]>,
    private readonly random: () => number,
  ) {}

  static async start(aws: AwsClients, topology: Topology, name: string, random: () => number): Promise<Duplicator> {
    const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    for (const topic of topology.topics) {
      const TopicArn = await findTopicArn(aws.sns, topic.name);
      await aws.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn, Attributes: { RawMessageDelivery: 'true' } }));
    }
    const consumingQueues = new Map<string, string[]>();
    for (const subscription of topology.subscriptions) {
      const url = await findQueueUrl(aws.sqs, subscription.queue);
      for (const type of subscription.filterPolicy[typeAttribute]) consumingQueues.set(type, [...(consumingQueues.get(type) ?? []), url]);
    }
    const duplicator = new Duplicator(aws, await findQueueUrl(aws.sqs, name), consumingQueues, random);
    duplicator.loop = duplicator.run();
    return duplicator;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const { Messages = [] } = await this.aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
      );
      for (const message of Messages) {
        this.tally.seen += 1;
        const type = message.MessageAttributes?.[typeAttribute]?.StringValue ?? '';
        for (const QueueUrl of this.consumingQueues.get(type) ?? []) {
          const DelaySeconds = this.random() < 1 / 3 ? 1 + Math.floor(this.random() * 15) : 0;
          await this.aws.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: message.Body, MessageAttributes: message.MessageAttributes, DelaySeconds }));
          this.tally.sent += 1;
          if (DelaySeconds > 0) this.tally.delayed += 1;
        }
      }
      if (Messages.length > 0) {
        await this.aws.sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: Messages.map(({ ReceiptHandle }, index) => ({ Id: String(index), ReceiptHandle })) }),
        );
      }
    }
  }
}
