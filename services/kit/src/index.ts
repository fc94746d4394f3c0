export { parseRateLimit, readEnvironment, serviceEnvironment, type RateLimit } from './config';
export { applyMigrations } from './db/migrate';
export { createPool, ensureDatabase } from './db/pool';
export type { SqlExecutor } from './db/sql';
export type { SqlClient, SqlTarget } from './db/sql-client';
export { preparedStatement, type PreparedStatement } from './db/prepared';
export { deleteExpiredRows, type RetainedTable } from './db/retention';
export { inSharedTransaction, inTransaction, queryTarget } from './db/transaction';
export { createHttpApp, type HttpAppOptions } from './http/app';
export { createHealthApp, type ReadinessCheck } from './http/health';
export { bearerToken, requireAdmin, secretsEqual } from './http/auth';
export { errorHandler, HttpError, parseInput, uuidParam } from './http/errors';
export { openApiDocument } from './http/openapi';
export { openApiPath, route, type ApiOperation, type Refusals, type ServiceApi } from './http/operation';
export { rateLimitedCode, rateLimits, type ClientSettings, type RateLimitName } from './http/rate-limit';
export { DomainError, WorkInFlightError, type DomainErrorKind } from './errors';
export {
  listen,
  periodic,
  runService,
  stopOnSignals,
  type BackgroundTask,
  type Role,
  type RunningService,
  type Service,
  type ServiceDefinition,
} from './lifecycle';
export { runServiceFromEnvironment } from './entrypoint';
export { createLogger, type Logger } from './logger';
export { startTracing, type TraceExport, type Tracing } from './telemetry/tracing';
export { MetricsLog } from './telemetry/emf';
export { metricsIntervalMs, sagaMetrics, type SagaMetric } from './telemetry/metrics';
export { claimEventSql } from './messaging/inbox';
export { enqueueEvents } from './messaging/outbox';
export { leaveToRelay, OutboxDispatcher, type CommittedEvents } from './messaging/dispatcher';
export { encodeOutbox, insertOutboxSql } from './messaging/outbox';
export { OutboxRelay, type OutboxRelayOptions } from './messaging/relay';
export * from './platform';
export { createInfrastructure, serviceConfigFromEnvironment, type ServiceConfig, type ServiceInfrastructure } from './runtime';
