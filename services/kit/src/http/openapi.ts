import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { z } from 'zod';
import type { ApiOperation, ServiceApi } from './operation';
import { rateLimitedCode } from './rate-limit';

type Access = NonNullable<ApiOperation['access']> | 'anyone';

/** An error status as documented: when it is answered, and the codes its body may carry. */
interface ErrorAnswer {
  description: string;
  codes: readonly [string, ...string[]];
}

/** Every error answer's body: a code a client can branch on, a message a person can read, and details when any. */
function errorBody(codes: readonly [string, ...string[]]): z.ZodType {
  return z.strictObject({
    error: z.strictObject({ code: z.enum(codes), message: z.string(), details: z.unknown().optional() }),
  });
}

/**
 * What every operation may answer whatever it does, from kit's HTTP defaults (app.ts, errors.ts): its input is
 * checked (a query or body with NUL characters included), any request may carry a JSON body that is malformed, too
 * large or not JSON, and the database may be briefly away.
 */
const sharedRefusals: Record<number, ErrorAnswer> = {
  400: {
    description: 'The request is invalid: `details.issues` names each field and what is wrong with it.',
    codes: ['validation_failed', 'malformed_json', 'request_aborted', 'bad_request'],
  },
  413: { description: 'The request body is larger than 16 kB.', codes: ['payload_too_large'] },
  415: {
    description: 'The request body is not JSON, or in an encoding or charset the service does not read.',
    codes: ['unsupported_media_type', 'unsupported_encoding', 'unsupported_charset'],
  },
  503: {
    description: 'The service cannot reach its database right now; retry after `Retry-After` seconds (orders with the same Idempotency-Key).',
    codes: ['service_unavailable'],
  },
};

const accessRefusals: Record<Access, Record<number, ErrorAnswer>> = {
  anyone: {},
  admin: {
    401: { description: 'No bearer token.', codes: ['unauthorized'] },
    403: { description: 'The bearer token is not the admin token.', codes: ['forbidden'] },
  },
  // A wrong or missing token answers 404, as if the order did not exist: the operation lists it among its refusals.
  orderAccess: {},
};

/** What an operation with a per-client rate limit (ApiOperation.rateLimit, http/rate-limit.ts) answers beyond it. */
const rateLimited: ErrorAnswer = {
  description:
    'Too many requests to this operation from this client address: retry after `Retry-After` seconds. ' +
    '`RateLimit-Policy` says how many are allowed per window, `RateLimit` how many are left.',
  codes: [rateLimitedCode],
};

/** The IETF draft-8 headers a rate-limited operation answers with (draft-ietf-httpapi-ratelimit-headers-08). */
const rateLimitHeaders = {
  'RateLimit-Policy': 'The per-client quota: `"<policy>"; q=<requests>; w=<window in seconds>; pk=:<partition key>:`.',
  RateLimit: 'What is left of it for this client: `"<policy>"; r=<requests remaining>; t=<seconds until the window ends>`.',
};

const refusalDescriptions: Record<404 | 409 | 422, string> = {
  404: 'Not found.',
  409: 'The request conflicts with the current state.',
  422: 'The request is well formed, but the service refuses it.',
};

const securitySchemes = {
  adminToken: { type: 'http', scheme: 'bearer', description: 'The ADMIN_TOKEN the services were started with.' },
  orderAccessToken: { type: 'http', scheme: 'bearer', description: 'The `accessToken` POST /api/orders answered with: reads that one order.' },
} as const;

const security: Record<Access, ZodOpenApiOperationObject['security']> = {
  anyone: [],
  admin: [{ adminToken: [] }],
  orderAccess: [{ orderAccessToken: [] }, { adminToken: [] }],
};

/** The OpenAPI 3.1 document of a service's operations, with the error answers kit's defaults add to each. */
export function openApiDocument({ service, version, operations }: ServiceApi): ReturnType<typeof createDocument> {
  const paths: Record<string, Record<string, ZodOpenApiOperationObject>> = {};
  for (const [operationId, operation] of Object.entries(operations)) {
    paths[operation.path] = { ...paths[operation.path], [operation.method]: describe(operationId, operation) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: `Bookstore ${service} API`,
      version,
      description: `${service[0]!.toUpperCase()}${service.slice(1)}'s HTTP API. Every error answers \`{error: {code, message, details?}}\`; a 5xx is a bug.`,
    },
    paths,
    components: { securitySchemes },
  });
}

function describe(operationId: string, operation: ApiOperation): ZodOpenApiOperationObject {
  const { params, query, headers, body, success } = operation;
  return {
    operationId,
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    security: security[operation.access ?? 'anyone'],
    requestParams: { ...(params ? { path: params } : {}), ...(query ? { query } : {}), ...(headers ? { header: headers } : {}) },
    ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: body, example: operation.bodyExample } } } } : {}),
    responses: {
      [success.status]: {
        description: success.description,
        ...(success.headers || operation.rateLimit ? { headers: successHeaders(operation) } : {}),
        content: { 'application/json': { schema: success.body } },
      },
      ...errorResponses(operation),
    },
  };
}

function errorResponses(operation: ApiOperation): ZodOpenApiResponsesObject {
  const refusals = { ...sharedRefusals, ...accessRefusals[operation.access ?? 'anyone'] };
  for (const [status, codes] of Object.entries(operation.refusals ?? {})) {
    refusals[Number(status)] = { description: refusalDescriptions[Number(status) as 404 | 409 | 422], codes };
  }
  if (operation.rateLimit) refusals[429] = rateLimited;
  const retryAfter = { 'Retry-After': 'Seconds to wait before retrying.' };
  const headers: Record<string, ReturnType<typeof responseHeaders>> = {
    503: responseHeaders(retryAfter),
    429: responseHeaders({ ...retryAfter, ...rateLimitHeaders }),
  };
  return Object.fromEntries(
    Object.entries(refusals).map(([status, { description, codes }]) => [
      status,
      {
        description,
        ...(headers[status] ? { headers: headers[status] } : {}),
        content: { 'application/json': { schema: errorBody(codes) } },
      },
    ]),
  );
}

/** The success's own headers and, on a rate-limited operation, the RateLimit headers (absent when limits are off). */
function successHeaders({ success, rateLimit }: ApiOperation) {
  const always = responseHeaders(success.headers ?? {});
  return rateLimit ? always.extend(responseHeaders(rateLimitHeaders, { optional: true }).shape) : always;
}

/** Response headers, each a string with what it says; `optional` ones are not in every answer. */
function responseHeaders(descriptions: Record<string, string>, { optional = false } = {}) {
  const header = (description: string) => (optional ? z.string().optional() : z.string()).meta({ description });
  return z.object(Object.fromEntries(Object.entries(descriptions).map(([name, description]) => [name, header(description)])));
}
