import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, ListTopicsCommand, type SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { createAwsClients, findTopicArn, resolveTopology, type AwsClients } from '@bookstore/events';
import { testInfrastructure, uniqueSuffix } from '@bookstore/kit/testing';
import { provision } from '../../../../localstack/provision';
import { repoRoot } from './support';

/** Runs localstack/provision.ts in its own process, configured by environment, as compose's one-shot runs its compiled form. */
async function runProvisionScript(env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'localstack/provision.ts'], {
    cwd: repoRoot,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

async function subscriptionsOf(sns: SNSClient, topicArn: string) {
  const { Subscriptions = [] } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
  return Subscriptions;
}

describe('localstack/provision.ts, against the embedded SNS/SQS emulator', () => {
  const prefix = `t${uniqueSuffix()}-`;
  const topology = resolveTopology(prefix);
  let aws: AwsClients;

  beforeAll(() => {
    aws = createAwsClients({ endpoint: testInfrastructure().awsEndpoint });
  });
  afterAll(() => {
    aws?.sns.destroy();
    aws?.sqs.destroy();
  });

  it('refuses to run without AWS_ENDPOINT_URL, so it never provisions AWS itself', async () => {
    const { code, stderr } = await runProvisionScript({ AWS_ENDPOINT_URL: undefined, TOPOLOGY_PREFIX: prefix });
    expect(code).toBe(1);
    expect(stderr).toContain('AWS_ENDPOINT_URL is not set');
  });

  it('creates every topic, queue, dead-letter queue and subscription of the topology', async () => {
    const { code, stdout, stderr } = await runProvisionScript({ AWS_ENDPOINT_URL: testInfrastructure().awsEndpoint, TOPOLOGY_PREFIX: prefix });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(stdout)).toMatchObject({ msg: 'topology provisioned', topics: topology.topics.map(({ name }) => name) });

    const { Topics = [] } = await aws.sns.send(new ListTopicsCommand({}));
    const topicNames = Topics.map(({ TopicArn }) => TopicArn!.split(':').pop());
    expect(topicNames).toEqual(expect.arrayContaining(topology.topics.map(({ name }) => name)));

    const queueArns: Record<string, string> = {};
    for (const queue of topology.queues) {
      for (const name of [queue.deadLetterQueueName, queue.name]) {
        const { QueueUrl } = await aws.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
        const { Attributes } = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
        queueArns[name] = Attributes!.QueueArn!;
        if (name === queue.name) {
          expect(JSON.parse(Attributes!.RedrivePolicy!)).toEqual({ deadLetterTargetArn: queueArns[queue.deadLetterQueueName], maxReceiveCount: queue.maxReceiveCount });
          expect(Attributes!.VisibilityTimeout).toBe(String(queue.visibilityTimeoutSeconds));
          expect(Attributes!.ReceiveMessageWaitTimeSeconds).toBe(String(queue.receiveWaitTimeSeconds));
        }
      }
    }

    for (const subscription of topology.subscriptions) {
      const topicArn = await findTopicArn(aws.sns, subscription.topic);
      const matching = (await subscriptionsOf(aws.sns, topicArn)).filter(({ Endpoint }) => Endpoint === queueArns[subscription.queue]);
      expect([subscription.topic, subscription.queue, matching.length]).toEqual([subscription.topic, subscription.queue, 1]);
      const { Attributes } = await aws.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: matching[0]!.SubscriptionArn }));
      expect(Attributes!.RawMessageDelivery).toBe('true');
      expect(JSON.parse(Attributes!.FilterPolicy!)).toEqual(subscription.filterPolicy);
    }
  });

  it('changes nothing when it runs again', async () => {
    const count = async () => {
      let total = 0;
      for (const topic of topology.topics) total += (await subscriptionsOf(aws.sns, await findTopicArn(aws.sns, topic.name))).length;
      return total;
    };
    const before = await count();
    expect(before).toBe(topology.subscriptions.length);
    const { code } = await runProvisionScript({ AWS_ENDPOINT_URL: testInfrastructure().awsEndpoint, TOPOLOGY_PREFIX: prefix });
    expect(code).toBe(0);
    expect(await count()).toBe(before);
  });

  it('retries while the endpoint does not answer yet, then gives up with the reason', async () => {
    const messages: string[] = [];
    // Port 9 on loopback (discard): nothing listens there, so every attempt is refused.
    await expect(provision({ endpoint: 'http://127.0.0.1:9', prefix, attempts: 2, retryDelayMs: 10, log: (message) => messages.push(message) })).rejects.toThrow();
    expect(messages).toEqual([expect.stringMatching(/^provisioning failed \(.*\); attempt 2 of 2 in 10 ms$/)]);
  });
});
