import { randomUUID } from 'node:crypto';
import SwaggerParser from '@apidevtools/swagger-parser';
import { catalogApi } from '@bookstore/catalog';
import { openApiDocument, openApiPath, type ServiceApi } from '@bookstore/kit';
import { eventually } from '@bookstore/kit/testing';
import { ordersApi } from '@bookstore/orders';
import { paymentsApi } from '@bookstore/payments';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { freshIsbn } from '../src/testing';
import { inlineRefs, type JsonSchema } from './support/invalid-values';
import { malformedRequests, pathWith, type ApiRequest, type Parameter, type ValidRequest } from './support/malformed-requests';
import { adminToken, startTestStack, type TestStack } from './support/stack';

/**
 * The services' published HTTP contracts, read the way an integrator reads them: each OpenAPI document as the gateway
 * serves it. Every documented operation answers a valid request as documented, and every malformed request derived
 * from the document gets a documented 4xx with the JSON error, never a 5xx.
 */

const apis: ServiceApi[] = [catalogApi, ordersApi, paymentsApi];

interface DocumentedOperation {
  operationId: string;
  method: string;
  template: string;
  access: 'anyone' | 'admin' | 'orderAccess';
  parameters: Parameter[];
  body?: JsonSchema;
  bodyExample?: unknown;
  successStatus: number;
  /** The documented body of each status the operation may answer. */
  answers: Map<number, ValidateFunction>;
}

let stack: TestStack;
const documents = new Map<string, Record<string, unknown>>();
let operations: DocumentedOperation[] = [];
let fixtures: { bookId: string; paymentMethodId: string; orderId: string; accessToken: string };
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

beforeAll(async () => {
  stack = await startTestStack();
  for (const { service } of apis) {
    const response = await fetch(`${stack.gatewayUrl}${openApiPath(service)}`);
    documents.set(service, (await response.json()) as Record<string, unknown>);
  }
  operations = [...documents.values()].flatMap(documentedOperations);
  const book = await stack.api.addBook();
  const paymentMethodId = await stack.api.registerCard();
  const order = await stack.api.placeOrder([{ bookId: book.id, quantity: 1 }], paymentMethodId);
  fixtures = { bookId: book.id, paymentMethodId, orderId: order.orderId, accessToken: order.accessToken };
  // Payments has charged the order once its payment can be read, so paymentOfOrder's valid request finds one.
  await eventually(async () => ((await stack.api.admin('GET', `/api/payments/orders/${order.orderId}`)).status === 200 ? true : undefined), {
    what: 'the payment',
  });
});
afterAll(() => stack?.stop());

describe('OpenAPI documents', () => {
  it.each(apis.map((api) => [api.service, api] as const))('%s serves its document through the gateway, as the code generates it', (service, api) => {
    expect(documents.get(service)).toEqual(JSON.parse(JSON.stringify(openApiDocument(api))));
  });

  it.each(apis.map(({ service }) => service))('%s: its document is valid OpenAPI 3.1', async (service) => {
    expect(documents.get(service)!.openapi).toBe('3.1.0');
    // The parser validates a copy against OpenAPI 3.1's JSON Schema; it rejects with every error it found.
    await expect(SwaggerParser.validate(structuredClone(documents.get(service)!) as never)).resolves.toBeDefined();
  });

  it('the validator refuses a broken document (an answer without its required description)', async () => {
    const broken = structuredClone(documents.get('orders')!) as { paths: Record<string, Record<string, { responses: Record<string, object> }>> };
    broken.paths['/api/orders']!.post!.responses['202'] = { content: {} };
    await expect(SwaggerParser.validate(broken as never)).rejects.toThrow(/description/);
  });

  it('documents every operation of every service, each with an operationId of its own', () => {
    const documented = operations.map(({ operationId }) => operationId).sort();
    expect(documented).toEqual(apis.flatMap((api) => Object.keys(api.operations)).sort());
    expect(new Set(documented).size).toBe(documented.length);
  });
});

describe('every documented operation, through the gateway', () => {
  it.each(apis.flatMap((api) => Object.keys(api.operations)))(
    '%s answers a valid request with its documented success and body',
    async (operationId) => {
      const operation = operations.find((candidate) => candidate.operationId === operationId)!;
      const answer = await send(operation, validRequest(operation));
      expect({ status: answer.status, errors: answer.errors }).toEqual({ status: operation.successStatus, errors: [] });
    },
  );

  it.each(apis.flatMap((api) => Object.keys(api.operations)))(
    '%s answers every malformed request with a documented 4xx and the JSON error',
    async (operationId) => {
      const operation = operations.find((candidate) => candidate.operationId === operationId)!;
      const valid = validRequest(operation);
      const variants = [...malformedRequests(valid, operation.parameters, operation.body), ...unauthorized(operation, valid)];
      const wrong: string[] = [];
      for (const { what, request } of variants) {
        const answer = await send(operation, request);
        if (answer.status < 400 || answer.status > 499 || answer.errors.length > 0)
          wrong.push(`${what}: ${answer.status} ${answer.errors.join('; ')} ${answer.text.slice(0, 200)}`);
      }
      expect(variants.length).toBeGreaterThan(operation.body ? 10 : 3);
      expect(wrong).toEqual([]);
    },
  );
});

/** The operations of a document, with their answers' schemas compiled and `$ref`s inlined. */
function documentedOperations(document: Record<string, unknown>): DocumentedOperation[] {
  const paths = inlineRefs(document.paths, document) as Record<string, Record<string, Record<string, any>>>;
  return Object.entries(paths).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const security = (operation.security as Record<string, unknown>[]).flatMap(Object.keys);
      const json = operation.requestBody?.content?.['application/json'];
      const statuses = Object.keys(operation.responses).map(Number);
      return {
        operationId: operation.operationId,
        method: method.toUpperCase(),
        template,
        access: security.includes('orderAccessToken') ? 'orderAccess' : security.includes('adminToken') ? 'admin' : 'anyone',
        parameters: (operation.parameters ?? []) as Parameter[],
        body: json?.schema,
        bodyExample: json?.example,
        successStatus: statuses.find((status) => status < 300)!,
        answers: new Map(statuses.map((status) => [status, ajv.compile(operation.responses[status].content['application/json'].schema)])),
      } satisfies DocumentedOperation;
    }),
  );
}

/** A request the operation accepts: its documented example body, with ids and tokens of the fixtures. */
function validRequest(operation: DocumentedOperation): ValidRequest {
  const params = { id: operation.template.startsWith('/api/catalog') ? fixtures.bookId : fixtures.orderId, orderId: fixtures.orderId };
  const overrides: Record<string, object> = {
    addBook: { isbn: freshIsbn() },
    placeOrder: { items: [{ bookId: fixtures.bookId, quantity: 1 }], paymentMethodId: fixtures.paymentMethodId },
  };
  const token = { anyone: undefined, admin: adminToken, orderAccess: fixtures.accessToken }[operation.access];
  const body = operation.bodyExample === undefined ? undefined : { ...(operation.bodyExample as object), ...overrides[operation.operationId] };
  const headers: Record<string, string> = operation.parameters.some((parameter) => parameter.name === 'idempotency-key')
    ? { 'idempotency-key': randomUUID() }
    : {};
  return { template: operation.template, params, path: pathWith({ template: operation.template }, params), body, token, headers };
}

/** Requests without the right token, which an operation that needs one must refuse as documented. */
function unauthorized(operation: DocumentedOperation, valid: ValidRequest): { what: string; request: ApiRequest }[] {
  if (operation.access === 'anyone') return [];
  return [
    { what: 'no token', request: { ...valid, token: undefined } },
    { what: 'a wrong token', request: { ...valid, token: 'not-the-right-token-0123456789' } },
    { what: 'Basic credentials', request: { ...valid, token: undefined, headers: { ...valid.headers, authorization: 'Basic YWRtaW46YWRtaW4=' } } },
  ];
}

/** Sends a request through the gateway; `errors` says where the answer breaks the operation's document. */
async function send(operation: DocumentedOperation, request: ApiRequest): Promise<{ status: number; text: string; errors: string[] }> {
  const query = request.query?.length ? `?${new URLSearchParams(request.query)}` : '';
  const body = request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
  const response = await fetch(`${stack.gatewayUrl}${request.path}${query}`, {
    method: operation.method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': request.contentType ?? 'application/json' }),
      ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
      ...request.headers,
    },
    body,
  });
  const text = await response.text();
  const validate = operation.answers.get(response.status);
  if (!validate) return { status: response.status, text, errors: [`status ${response.status} is not documented`] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { status: response.status, text, errors: ['the answer is not JSON'] };
  }
  return { status: response.status, text, errors: validate(json) ? [] : ajv.errorsText(validate.errors).split(', ') };
}
