import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { z } from 'zod';
import type { ApiOperation, ServiceApi } from './operation';

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
        ...(success.headers ? { headers: responseHeaders(success.headers) } : {}),
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
  return Object.fromEntries(
    Object.entries(refusals).map(([status, { description, codes }]) => [
      status,
      {
        description,
        ...(status === '503' ? { headers: responseHeaders({ 'Retry-After': 'Seconds to wait before retrying.' }) } : {}),
        content: { 'application/json': { schema: errorBody(codes) } },
      },
    ]),
  );
}

/** Response headers, each a string with what it says. */
function responseHeaders(descriptions: Record<string, string>) {
  return z.object(Object.fromEntries(Object.entries(descriptions).map(([name, description]) => [name, z.string().meta({ description })])));
}
