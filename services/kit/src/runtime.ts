import {
  createAwsClients,
  EventConsumer,
  EventPublisher,
  findQueueUrl,
  longestRedeliverySeconds,
  resolveTopology,
  type AwsClients,
  type EventHandlers,
  type EventType,
} from '@bookstore/events';
import type pg from 'pg';
import { readEnvironment, serviceEnvironment } from './config';
import { createPool } from './db/pool';
import { retentionJob, type RetainedTable } from './db/retention';
import { inSharedTransaction } from './db/transaction';
import { isDatabaseUnavailable } from './db/unavailable';
import { WorkInFlightError } from './errors';
import type { ReadinessCheck } from './http/health';
import { clientSettings, type ClientSettings } from './http/rate-limit';
import { periodic, type BackgroundTask } from './lifecycle';
import { createLogger, type Logger } from './logger';
import { OutboxDispatcher } from './messaging/dispatcher';
import { handledEventIds } from './messaging/inbox';
import { publishedOutboxEvents } from './messaging/outbox';
import { reportOutboxLag } from './messaging/outbox-lag';
import { OutboxRelay } from './messaging/relay';
import type { ServiceName } from './platform';
import { MetricsLog } from './telemetry/emf';
import { metricsIntervalMs } from './telemetry/metrics';

/** What a service needs to know about its surroundings; the same in every environment but for the values. */
export interface ServiceConfig {
  databaseUrl: string;
  /** Size of the service's connection pool (DATABASE_POOL_SIZE); the default when undefined. */
  poolSize?: number;
  /** Emulator or LocalStack endpoint; undefined for AWS itself. */
  awsEndpoint?: string;
  awsRegion: string;
  topologyPrefix: string;
  adminToken: string;
  logLevel: string;
  /** SQS long-poll wait in seconds; undefined means the queue's own (see the topology). */
  pollWaitSeconds?: number;
  /** Where the saga's metrics go in CloudWatch; undefined writes none. */
  metricsNamespace?: string;
  /** How long the worker keeps published outbox events and handled event ids, and how often it deletes older ones. */
  retention: { outboxSeconds: number; inboxSeconds: number; intervalSeconds: number };
  /** The proxies in front of the API and its per-client rate limits (TRUSTED_PROXY_HOPS, RATE_LIMITS, RATE_LIMIT_*). */
  clients: ClientSettings;
}

export function serviceConfigFromEnvironment(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const parsed = readEnvironment(serviceEnvironment, env);
  return {
    databaseUrl: parsed.DATABASE_URL,
    poolSize: parsed.DATABASE_POOL_SIZE,
    awsEndpoint: parsed.AWS_ENDPOINT_URL,
    awsRegion: parsed.AWS_REGION,
    topologyPrefix: parsed.TOPOLOGY_PREFIX,
    adminToken: parsed.ADMIN_TOKEN,
    logLevel: parsed.LOG_LEVEL,
    pollWaitSeconds: parsed.SQS_WAIT_TIME_SECONDS,
    metricsNamespace: parsed.METRICS_NAMESPACE,
    retention: { outboxSeconds: parsed.OUTBOX_RETENTION_SECONDS, inboxSeconds: parsed.INBOX_RETENTION_SECONDS, intervalSeconds: parsed.RETENTION_INTERVAL_SECONDS },
    clients: clientSettings(parsed),
  };
}

/**
 * The infrastructure every service is built on: logger, database pool, SNS/SQS clients, and the two ways outbox
 * events get out: the dispatcher, to which the use cases hand what they have just committed, and the relay, which
 * publishes whatever a dispatcher did not.
 */
export interface ServiceInfrastructure {
  name: ServiceName;
  config: ServiceConfig;
  logger: Logger;
  pool: pg.Pool;
  aws: AwsClients;
  dispatcher: OutboxDispatcher;
  relay: OutboxRelay;
  metrics: MetricsLog;
  /** The worker's metric reports every service has (the age of its outbox's oldest unpublished event); none without metrics. */
  reporters: BackgroundTask[];
  /**
   * The worker's job that deletes the published outbox events and handled event ids past their retention (config's
   * `retention`), and the rows of the service's own `tables` past theirs.
   */
  retention(...tables: RetainedTable[]): BackgroundTask;
  readiness: ReadinessCheck[];
  /**
   * Builds the consumer of this service's own queue from the topology. `handleBatchesTogether` handles each received
   * batch in one shared transaction (inSharedTransaction): for handlers whose every statement goes through inTransaction.
   */
  consumer<T extends EventType>(handlers: EventHandlers<T>, options?: { handleBatchesTogether?: boolean }): EventConsumer<T>;
  /** Publishes what was dispatched, disconnects the clients the service opened on the pool (its Prisma client), ends the pool. */
  close(...clients: { $disconnect(): Promise<void> }[]): Promise<void>;
}

export function createInfrastructure(name: ServiceName, config: ServiceConfig, logger = createLogger(name, { level: config.logLevel })): ServiceInfrastructure {
  const pool = createPool(config.databaseUrl, logger, config.poolSize);
  const aws = createAwsClients({ endpoint: config.awsEndpoint, region: config.awsRegion });
  const publisher = new EventPublisher(aws.sns, config.topologyPrefix);
  const dispatcher = new OutboxDispatcher({ pool, publisher, logger });
  const relay = new OutboxRelay({ pool, publisher, logger });
  const queue = resolveTopology(config.topologyPrefix).queues.find((candidate) => candidate.consumer === name);
  if (!queue) throw new Error(`the topology has no queue for ${name}`);
  const metrics = new MetricsLog(logger, config.metricsNamespace);
  return {
    name,
    config,
    logger,
    pool,
    aws,
    dispatcher,
    relay,
    metrics,
    reporters: metrics.enabled ? [periodic('outbox-lag', metricsIntervalMs, () => reportOutboxLag(pool, metrics, name), logger)] : [],
    retention: (...tables) => {
      const { outboxSeconds, inboxSeconds, intervalSeconds } = config.retention;
      const job = retentionJob(pool, [publishedOutboxEvents(outboxSeconds), handledEventIds(inboxSeconds), ...tables], logger, { intervalMs: intervalSeconds * 1000 });
      return {
        start: () => {
          if (inboxSeconds < longestRedeliverySeconds) {
            logger.warn({ inboxSeconds, longestRedeliverySeconds }, 'INBOX_RETENTION_SECONDS is shorter than an event can come back: a late redelivery would be handled twice');
          }
          return job.start();
        },
        stop: () => job.stop(),
      };
    },
    readiness: [
      { name: 'database', check: () => pool.query('SELECT 1') },
      { name: 'queue', check: () => findQueueUrl(aws.sqs, queue.name) },
    ],
    close: async (...clients) => {
      await dispatcher.flush();
      await Promise.all(clients.map((client) => client.$disconnect()));
      await pool.end();
    },
    consumer: (handlers, { handleBatchesTogether = false } = {}) =>
      new EventConsumer({
        sqs: aws.sqs,
        queue,
        waitTimeSeconds: config.pollWaitSeconds,
        handlers,
        logger,
        // A handler that failed because the database is briefly away, or because it must wait for work in flight, is
        // retried in process before the queue retries it.
        isTransient: (error) => isDatabaseUnavailable(error) || error instanceof WorkInFlightError,
        unitOfWork: handleBatchesTogether ? (work) => inSharedTransaction(pool, work) : undefined,
      }),
  };
}
