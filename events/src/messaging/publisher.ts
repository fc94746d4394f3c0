import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import { topicOfEvent, typeAttribute } from '../topology';
import { findTopicArn } from './addresses';
import { encodeEvent } from './decode';
import { traceAttribute, type OutgoingEvent } from './tracing';

/** SNS accepts at most ten entries per PublishBatch call. */
const maxBatchEntries = 10;

export interface PublishOutcome {
  /** Ids of the events SNS accepted. */
  published: string[];
  failed: { id: string; error: string }[];
}

/**
 * Publishes events to their producer's topic in batches, each with the trace context it was written in; the topic
 * ARN is looked up once per topic.
 */
export class EventPublisher {
  private readonly topicArns = new Map<string, Promise<string>>();

  constructor(
    private readonly sns: SNSClient,
    private readonly prefix = '',
  ) {}

  async publish(events: readonly OutgoingEvent[]): Promise<PublishOutcome> {
    const outcome: PublishOutcome = { published: [], failed: [] };
    const byTopic = new Map<string, OutgoingEvent[]>();
    for (const outgoing of events) {
      const topic = topicOfEvent(outgoing.event.type, this.prefix);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), outgoing]);
    }
    for (const [topic, topicEvents] of byTopic) {
      for (let start = 0; start < topicEvents.length; start += maxBatchEntries) {
        const batch = topicEvents.slice(start, start + maxBatchEntries);
        try {
          await this.publishBatch(topic, batch, outcome);
        } catch (error) {
          outcome.failed.push(...batch.map(({ event }) => ({ id: event.id, error: (error as Error).message })));
        }
      }
    }
    return outcome;
  }

  private async publishBatch(topic: string, events: OutgoingEvent[], outcome: PublishOutcome): Promise<void> {
    const result = await this.sns.send(
      new PublishBatchCommand({
        TopicArn: await this.topicArn(topic),
        PublishBatchRequestEntries: events.map(({ event, traceparent }) => ({
          Id: event.id,
          Message: encodeEvent(event),
          MessageAttributes: {
            [typeAttribute]: { DataType: 'String', StringValue: event.type },
            ...(traceparent ? { [traceAttribute]: { DataType: 'String', StringValue: traceparent } } : {}),
          },
        })),
      }),
    );
    outcome.published.push(...(result.Successful ?? []).flatMap(({ Id }) => (Id ? [Id] : [])));
    outcome.failed.push(...(result.Failed ?? []).map(({ Id, Code, Message }) => ({ id: Id ?? '', error: `${Code}: ${Message}` })));
  }

  private topicArn(topic: string): Promise<string> {
    let arn = this.topicArns.get(topic);
    if (!arn) {
      arn = findTopicArn(this.sns, topic);
      // A failed lookup (broker down) must not be cached: the next publish asks again.
      arn.catch(() => this.topicArns.delete(topic));
      this.topicArns.set(topic, arn);
    }
    return arn;
  }
}
