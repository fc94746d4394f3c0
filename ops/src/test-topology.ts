import { createAwsClients, provisionTopology, resolveTopology, type AwsClients, type Topology } from '@bookstore/events';
import { testInfrastructure, uniqueSuffix } from '@bookstore/kit/testing';

/**
 * For a test file: a topology of its own on the test emulator, provisioned before its tests, its clients
 * closed after them. `aws()` is the client, available once the file's tests run.
 */
export function useTestTopology(): { prefix: string; topology: Topology; aws: () => AwsClients } {
  const prefix = `ops${uniqueSuffix()}-`;
  const topology = resolveTopology(prefix);
  let aws: AwsClients | undefined;
  beforeAll(async () => {
    aws = createAwsClients({ endpoint: testInfrastructure().awsEndpoint });
    await provisionTopology(aws, topology);
  });
  afterAll(() => {
    aws?.sns.destroy();
    aws?.sqs.destroy();
  });
  return { prefix, topology, aws: () => aws! };
}
