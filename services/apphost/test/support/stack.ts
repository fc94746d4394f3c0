import { testInfrastructure, testLogger, uniqueSuffix } from '@bookstore/kit/testing';
import { startStack, type Stack, type StackOptions } from '../../src/stack';
import { ApiClient } from '../../src/testing';

export const adminToken = 'test-admin-token-0123456789';

export interface TestStack extends Stack {
  api: ApiClient;
  topologyPrefix: string;
}

/**
 * The whole system on the shared test Postgres and emulator, with its own databases and queues. Rate limits are off
 * (RATE_LIMITS=off) unless `env` turns them on: these tests send hundreds of requests from 127.0.0.1 through one
 * gateway, the contract test hundreds of malformed ones per operation; rate-limits.test.ts tests the limits.
 */
export async function startTestStack(overrides: Partial<StackOptions> = {}): Promise<TestStack> {
  const { postgresUrl, awsEndpoint } = testInfrastructure();
  const suffix = uniqueSuffix();
  const topologyPrefix = `t${suffix}-`;
  const stack = await startStack({
    postgresUrl,
    awsEndpoint,
    topologyPrefix,
    adminToken,
    databaseSuffix: `_${suffix}`,
    ports: { catalog: 0, orders: 0, payments: 0, gateway: 0 },
    frontend: { url: 'http://127.0.0.1:9' },
    logger: testLogger(),
    ...overrides,
    env: { RATE_LIMITS: 'off', ...overrides.env },
  });
  return { ...stack, topologyPrefix, api: new ApiClient(stack.gatewayUrl, adminToken) };
}
