export { peekDeadLetters, redriveDeadLetters, resolveQueue, type DeadLetter, type RedriveResult } from './dead-letters';
export { outboxDatabaseUrls, outboxReport, type OutboxStatus } from './outbox';
export { queueReport, type QueueStatus } from './queues';
