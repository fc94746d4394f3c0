import { invalidValues, type JsonSchema } from './invalid-values';

/** A request to one operation, as the contract test sends it. */
export interface ApiRequest {
  path: string;
  query?: [string, string][];
  headers?: Record<string, string>;
  /** A JSON value, or raw text sent as is (with `contentType`). */
  body?: unknown;
  rawBody?: string;
  contentType?: string;
  token?: string;
}

/** One documented parameter of an operation. */
export interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  schema: JsonSchema;
}

/** A malformed variant of a valid request, named for the failure message. */
export interface MalformedRequest {
  what: string;
  request: ApiRequest;
}

/** What a valid request to the operation is built from: the path template and values for its parameters. */
export interface ValidRequest extends ApiRequest {
  template: string;
  params: Record<string, string>;
}

/** Path ids no route can resolve: not an id at all, a NUL, path tricks and a long one. */
const badPathValues = ['not-a-uuid', '12345', '%00', '..%2F..', 'x'.repeat(300)];

/**
 * Every malformed variant of `valid` the operation's documented parameters and body schema imply: each parameter and
 * each body field made wrong in every way its schema refuses, required fields removed, unknown ones added, and bodies
 * that are not what was asked for at all.
 */
export function malformedRequests(valid: ValidRequest, parameters: Parameter[], body: JsonSchema | undefined): MalformedRequest[] {
  const variants: MalformedRequest[] = [];
  const withParam = (name: string, value: string) => ({ ...valid, path: pathWith(valid, { ...valid.params, [name]: value }) });
  for (const parameter of parameters) {
    const label = `${parameter.in} ${parameter.name}`;
    if (parameter.in === 'path') {
      // An empty segment is another route's path, not a bad value for this one.
      const values = [...badPathValues, ...invalidValues(parameter.schema, 'text').map(({ value }) => String(value))].filter((value) => value !== '');
      for (const value of values) {
        variants.push({ what: `${label} = ${abbreviate(value)}`, request: withParam(parameter.name, value) });
      }
    } else if (parameter.in === 'query') {
      const others = (valid.query ?? []).filter(([name]) => name !== parameter.name);
      for (const { what, value } of invalidValues(parameter.schema, 'text')) {
        variants.push({ what: `${label} ${what}`, request: { ...valid, query: [...others, [parameter.name, String(value)]] } });
      }
      variants.push({ what: `${label} given twice`, request: { ...valid, query: [...others, [parameter.name, '1'], [parameter.name, '2']] } });
    } else {
      for (const { what, value } of invalidValues(parameter.schema, 'text')) {
        variants.push({ what: `${label} ${what}`, request: { ...valid, headers: { ...valid.headers, [parameter.name]: String(value) } } });
      }
    }
  }
  if (parameters.some((parameter) => parameter.in === 'query')) {
    variants.push({ what: 'an unknown query parameter', request: { ...valid, query: [...(valid.query ?? []), ['surprise', '1']] } });
  }
  if (body) variants.push(...malformedBodies(valid, body));
  return variants;
}

function malformedBodies(valid: ValidRequest, schema: JsonSchema): MalformedRequest[] {
  const variants: MalformedRequest[] = [];
  for (const { path, schema: field } of fieldsOf(schema)) {
    const at = path.join('.') || 'the body';
    for (const { what, value } of invalidValues(field, 'json')) {
      if (path.length > 0) variants.push({ what: `${at} ${what}`, request: { ...valid, body: withValue(valid.body, path, value) } });
    }
    for (const name of field.required ?? []) {
      variants.push({ what: `${[...path, name].join('.')} missing`, request: { ...valid, body: withValue(valid.body, [...path, name], undefined) } });
    }
    if (field.type === 'object' && field.additionalProperties === false) {
      variants.push({ what: `an unknown field in ${at}`, request: { ...valid, body: withValue(valid.body, [...path, 'surprise'], true) } });
    }
  }
  const asRaw = (what: string, rawBody: string, contentType = 'application/json') => ({
    what,
    request: { ...valid, body: undefined, rawBody, contentType },
  });
  variants.push(
    ...[null, [], 'text', 42].map((body) => ({ what: `the body ${JSON.stringify(body)}`, request: { ...valid, body } })),
    { what: 'no body', request: { ...valid, body: undefined } },
    asRaw('malformed JSON', '{"truncated": '),
    asRaw('a body that is not JSON', 'a=1&b=2', 'application/x-www-form-urlencoded'),
    asRaw('a body over 16 kB', JSON.stringify({ ...(valid.body as object), padding: 'x'.repeat(20_000) })),
  );
  return variants;
}

/** Every object, array and leaf of a body schema with its path; array items at index 0, as a valid body fills them. */
function fieldsOf(schema: JsonSchema, path: (string | number)[] = []): { path: (string | number)[]; schema: JsonSchema }[] {
  const nested = Object.entries(schema.properties ?? {}).flatMap(([name, property]) => fieldsOf(property, [...path, name]));
  const items = schema.type === 'array' && schema.items ? fieldsOf(schema.items, [...path, 0]) : [];
  return [{ path, schema }, ...nested, ...items];
}

/** A deep copy of `body` with the value at `path` replaced (or removed, for undefined). */
function withValue(body: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) {
    node[key] ??= typeof key === 'number' ? [] : {};
    node = node[key] as Record<string | number, unknown>;
  }
  const last = path.at(-1)!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

export function pathWith(valid: Pick<ValidRequest, 'template'>, params: Record<string, string>): string {
  return valid.template.replace(/\{(\w+)\}/g, (_, name: string) => params[name]!);
}

function abbreviate(value: string): string {
  return value.length > 40 ? `${value.slice(0, 12)}… (${value.length} chars)` : JSON.stringify(value);
}
