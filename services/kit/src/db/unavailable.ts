/** Prisma's codes for "the database could not be reached or went away" (not "the query was wrong"). */
const prismaUnavailable = new Set(['P1001', 'P1002', 'P1017', 'P2024']);
/** Node's socket errors when the server is down or restarting. */
const socketUnavailable = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * PostgreSQL SQLSTATEs of an outage rather than a bad query: class 08 (connection exception) and
 * 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now, as during a restart or failover).
 */
function isOutageState(code: unknown): boolean {
  return typeof code === 'string' && (code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code));
}

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } } };
}

/**
 * True when an error means the database is unavailable for now (down, restarting, unreachable, pool
 * exhausted), whether it came from Prisma or from pg: the request was fine and is worth retrying.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message, meta } = error as ErrorLike;
  if (typeof code === 'string' && (prismaUnavailable.has(code) || socketUnavailable.has(code) || isOutageState(code))) return true;
  const cause = meta?.driverAdapterError?.cause;
  if (cause && (isOutageState(cause.originalCode) || cause.kind === 'DatabaseNotReachable')) return true;
  // Prisma's pg adapter passes pg's errors without a code through as they are.
  return typeof message === 'string' && pgLostConnection.test(message);
}

/**
 * pg's own wording when the server closes a connection under a query, or when a pooled client whose connection
 * broke (as in a restart) is used again before the pool has noticed.
 */
const pgLostConnection = /Connection terminated|connection timeout|Client has encountered a connection error and is not queryable/i;
