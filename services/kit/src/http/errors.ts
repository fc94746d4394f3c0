import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../db/unavailable';
import { DomainError, type DomainErrorKind } from '../errors';
import type { Logger } from '../logger';

/** An error the client can act on. Thrown anywhere in a request, it becomes `{error: {code, message, details?}}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Parses input with a zod schema; a mismatch is the client's fault, answered with 400 and every issue found. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where: 'body' | 'query' | 'params' | 'headers'): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new HttpError(400, 'validation_failed', `the request ${where} is invalid`, {
      issues: result.error.issues.map(({ path, message, code }) => ({ path: [where, ...path].join('.'), code, message })),
    });
  }
  return result.data;
}

/** body-parser's error types, mapped to what the client did wrong. */
const bodyErrors: Record<string, [status: number, code: string, message: string]> = {
  'entity.parse.failed': [400, 'malformed_json', 'the request body is not valid JSON'],
  'entity.too.large': [413, 'payload_too_large', 'the request body is too large'],
  'encoding.unsupported': [415, 'unsupported_encoding', 'the request body encoding is not supported'],
  'charset.unsupported': [415, 'unsupported_charset', 'the request body charset is not supported'],
  'request.aborted': [400, 'request_aborted', 'the request was aborted'],
};

/** The one place a use case's refusal gets its HTTP status. */
const statusOfKind: Record<DomainErrorKind, number> = { not_found: 404, conflict: 409, rejected: 422 };

export const unknownRoute: RequestHandler = (req) => {
  throw new HttpError(404, 'route_not_found', `no route for ${req.method} ${req.path}`);
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    const known = asHttpError(error);
    if (known) {
      res.status(known.status).json({ error: { code: known.code, message: known.message, details: known.details } });
      return;
    }
    if (isDatabaseUnavailable(error)) {
      // An outage, not a bug: the client may retry the same request (orders carry an Idempotency-Key).
      logger.warn({ err: error }, 'database unavailable; answered 503');
      res.status(503).set('Retry-After', '1').json({ error: { code: 'service_unavailable', message: 'the service cannot reach its database right now; try again shortly' } });
      return;
    }
    logger.error({ err: error }, 'unhandled error in request');
    res.status(500).json({ error: { code: 'internal_error', message: 'something went wrong on our side' } });
  };
}

/** What the client did wrong, if anything: our own errors and the request-parsing libraries' ones. */
function asHttpError(error: { type?: string; status?: number; message?: string }): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof DomainError) return new HttpError(statusOfKind[error.kind], error.code, error.message, error.details);
  return fromLibraryError(error);
}

function fromLibraryError(error: { type?: string; status?: number; message?: string }): HttpError | undefined {
  const mapped = error.type ? bodyErrors[error.type] : undefined;
  if (mapped) return new HttpError(...mapped);
  if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
    return new HttpError(error.status, 'bad_request', error.message ?? 'bad request');
  }
  return undefined;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id that is not a UUID cannot name anything: answer 404 rather than let the database reject it. */
export function uuidParam(value: string | string[] | undefined, code: string, what: string): string {
  if (typeof value !== 'string' || !uuidPattern.test(value)) throw new HttpError(404, code, `${what} not found`);
  return value.toLowerCase();
}
