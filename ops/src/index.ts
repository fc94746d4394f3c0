export { ServiceDatabases, type Unreadable } from './databases';
export { peekDeadLetters, redriveDeadLetters, resolveQueue, type DeadLetter, type RedriveResult } from './dead-letters';
export { readJourneys, type Delivery, type Journey, type JourneyEvent, type JourneySources, type OrderDeadLetter } from './journey';
export { outboxDatabaseUrls, outboxReport, type OutboxStatus } from './outbox';
export { queueReport, type QueueStatus } from './queues';
export { stuckOrders, type StuckOrder, type StuckReport } from './stuck';
export { traceIdsOf, type TraceIds } from './trace-id';
export { verdictOf, type Verdict } from './verdict';
