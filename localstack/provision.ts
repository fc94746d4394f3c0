/**
 * Provisions the SNS/SQS topology on LocalStack (or any SNS/SQS endpoint): every topic, queue, dead-letter
 * queue and subscription that events/src/topology.ts derives, created by the same provisioner `npm start`
 * uses. Idempotent. docker-compose.yml runs it as the one-shot `topology` service once LocalStack is healthy;
 * see README.md beside it for why it is not a LocalStack init hook.
 *
 *   AWS_ENDPOINT_URL=http://localhost:4566 npx tsx localstack/provision.ts
 *
 * Reads AWS_ENDPOINT_URL (required: this never provisions real AWS, which the Pulumi stack owns),
 * AWS_REGION (default us-east-1) and TOPOLOGY_PREFIX (default none), the same variables the services read.
 */
import { createAwsClients, provisionTopology, resolveTopology, type Topology } from '@bookstore/events';

export interface ProvisionOptions {
  endpoint: string;
  region?: string;
  prefix?: string;
  /** Tries before giving up while the endpoint is not answering yet (LocalStack loads SNS/SQS lazily). */
  attempts?: number;
  retryDelayMs?: number;
  log?: (message: string) => void;
}

export async function provision({ endpoint, region = 'us-east-1', prefix = '', attempts = 10, retryDelayMs = 2_000, log = () => {} }: ProvisionOptions): Promise<Topology> {
  const topology = resolveTopology(prefix);
  const clients = createAwsClients({ endpoint, region });
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await provisionTopology(clients, topology);
        break;
      } catch (error) {
        if (attempt >= attempts) throw error;
        log(`provisioning failed (${(error as Error).message}); attempt ${attempt + 1} of ${attempts} in ${retryDelayMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
      }
    }
  } finally {
    clients.sns.destroy();
    clients.sqs.destroy();
  }
  return topology;
}

async function main(): Promise<void> {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) {
    throw new Error('AWS_ENDPOINT_URL is not set: this provisions LocalStack or an emulator, never AWS itself (the Pulumi stack in infra/ does that)');
  }
  const prefix = process.env.TOPOLOGY_PREFIX ?? '';
  const topology = await provision({ endpoint, region: process.env.AWS_REGION || undefined, prefix, log: (message) => console.error(message) });
  console.log(
    JSON.stringify({
      msg: 'topology provisioned',
      endpoint,
      topics: topology.topics.map(({ name }) => name),
      queues: topology.queues.flatMap(({ name, deadLetterQueueName }) => [name, deadLetterQueueName]),
      subscriptions: topology.subscriptions.map(({ topic, queue, filterPolicy }) => `${topic} -> ${queue} (${filterPolicy.type.join(', ')})`),
    }),
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`provisioning the topology failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
