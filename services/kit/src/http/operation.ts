import type { RequestHandler, Router } from 'express';
import type { z } from 'zod';
import { services, type ServiceName } from '../platform';
import type { RateLimitName } from './rate-limit';

/** The refusals a use case answers with (its DomainError codes), by the status the error handler gives them. */
export type Refusals = Partial<Record<404 | 409 | 422, readonly [string, ...string[]]>>;

/**
 * One HTTP operation of a service: the one source for its route and its OpenAPI description. Routes validate with
 * these very schemas (parseInput), so what the document says is what the service checks.
 */
export interface ApiOperation {
  method: 'get' | 'post' | 'patch';
  /** The full path in OpenAPI's form, e.g. /api/catalog/books/{id}. */
  path: string;
  summary: string;
  description?: string;
  /** Who may call it: anyone (unset), an admin token, or whoever holds the order's access token (or an admin token). */
  access?: 'admin' | 'orderAccess';
  /**
   * A per-client rate limit (http/rate-limit.ts, set by its RATE_LIMIT_* variable), for an operation anyone may call
   * that is worth abusing: beyond it the answer is 429 with Retry-After. The OpenAPI document says so.
   */
  rateLimit?: RateLimitName;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: z.ZodType;
  /** A valid request body, shown in the reference and the starting point of the contract fuzz test's mutations. */
  bodyExample?: unknown;
  success: { status: 200 | 201 | 202; description: string; body: z.ZodType; headers?: Record<string, string> };
  refusals?: Refusals;
}

/** A service's HTTP API: what its OpenAPI document describes and its routes serve. */
export interface ServiceApi {
  service: ServiceName;
  /** The API's version; a breaking change to an operation is a new major version. */
  version: string;
  operations: Record<string, ApiOperation>;
}

/** Where a service serves its OpenAPI document, beside its routes (the gateway, nginx and the ALB route it with them). */
export function openApiPath(service: ServiceName): string {
  return `${services[service].pathPrefix}/openapi.json`;
}

/** Registers `handlers` for the operation's method and path on `router`. */
export function route(router: Router, operation: ApiOperation, ...handlers: RequestHandler[]): void {
  router[operation.method](expressPath(operation.path), ...handlers);
}

/** /api/catalog/books/{id} as Express writes it: /api/catalog/books/:id. */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
