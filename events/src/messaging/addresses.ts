import { ListTopicsCommand, type SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Finds a topic's ARN by name, so services need only names from the topology, never account ids. */
export async function findTopicArn(sns: SNSClient, name: string): Promise<string> {
  let NextToken: string | undefined;
  do {
    const page = await sns.send(new ListTopicsCommand({ NextToken }));
    const match = page.Topics?.find((topic) => topic.TopicArn?.split(':').pop() === name);
    if (match?.TopicArn) return match.TopicArn;
    NextToken = page.NextToken;
  } while (NextToken);
  throw new Error(`SNS topic ${name} does not exist; provision the topology first`);
}

export async function findQueueUrl(sqs: SQSClient, name: string): Promise<string> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  if (!QueueUrl) throw new Error(`SQS queue ${name} does not exist; provision the topology first`);
  return QueueUrl;
}
