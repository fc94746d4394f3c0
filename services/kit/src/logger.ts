import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { traceFieldsOfLine } from './telemetry/log-fields';

export type { Logger };

/**
 * Paths that must never reach a log line. Card data is rejected at the edge and never stored,
 * but a request body that fails validation could still be logged by a careless handler.
 */
const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.cardNumber',
  '*.cvc',
  '*.password',
  '*.accessToken',
  '*.adminToken',
];

export interface LoggerOptions {
  level?: string;
  /** Human-readable lines for a terminal; JSON lines (the default) for log collectors such as CloudWatch. */
  pretty?: boolean;
  /** Where JSON lines go (stdout by default); tests pass a stream to read them back. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(name: string, { level = process.env.LOG_LEVEL ?? 'info', pretty: human = false, destination }: LoggerOptions = {}): Logger {
  const options = { name, level, redact: { paths: redactedPaths, censor: '[redacted]' }, mixin: traceFieldsOfLine };
  if (human) return pino(options, pretty({ colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l', singleLine: true }));
  return destination ? pino(options, destination) : pino(options);
}
