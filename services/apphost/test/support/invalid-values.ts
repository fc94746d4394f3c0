/** A JSON Schema as an OpenAPI 3.1 document holds it, with its `$ref`s already inlined. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
}

/** A value the schema refuses, with what makes it wrong. */
export interface InvalidValue {
  what: string;
  value: unknown;
}

/** Longer than any text field accepts and than the 16 kB body limit, yet within the request-line limit for queries. */
const hugeText = 'x'.repeat(20_000);

/**
 * Values `schema` refuses: of the wrong type, out of range, too long, off the pattern or the enum. As JSON (`json`), or
 * as the text a query string or a path carries (`text`), where only what cannot be read as the type counts as wrong.
 */
export function invalidValues(schema: JsonSchema, form: 'json' | 'text'): InvalidValue[] {
  if (schema.anyOf) return []; // a union's branches refuse different things; none of ours is a request field
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const values: InvalidValue[] = form === 'json' ? wrongJsonTypes(type) : wrongTextTypes(type);
  if (schema.enum) values.push({ what: 'a value outside the enum', value: 'not_one_of_them' });
  if (schema.minimum !== undefined) values.push({ what: 'below the minimum', value: asForm(schema.minimum - 1, form) });
  if (schema.maximum !== undefined) values.push({ what: 'above the maximum', value: asForm(schema.maximum + 1, form) });
  if (type === 'integer') values.push({ what: 'a fraction', value: asForm(1.5, form) });
  if (schema.minLength) values.push({ what: 'too short', value: '' });
  if (schema.maxLength !== undefined) values.push({ what: 'too long', value: 'x'.repeat(schema.maxLength + 1) });
  const offPattern =
    schema.pattern === undefined ? undefined : ['', ' ', 'not valid ☃', hugeText].find((text) => !new RegExp(schema.pattern!, 'u').test(text));
  if (offPattern !== undefined) values.push({ what: 'off the pattern', value: offPattern });
  if (schema.format === 'uuid' || schema.format === 'email') values.push({ what: `not a ${schema.format}`, value: 'not-a-valid-one' });
  if (type === 'array' && schema.minItems) values.push({ what: 'too few items', value: [] });
  if (type === 'array' && schema.maxItems !== undefined) values.push({ what: 'too many items', value: Array(schema.maxItems + 1).fill(null) });
  return values;
}

function wrongJsonTypes(type: string | undefined): InvalidValue[] {
  const candidates: [string, unknown][] = [
    ['string', 'a string'],
    ['number', 42],
    ['boolean', true],
    ['null', null],
    ['array', ['an', 'array']],
    ['object', { an: 'object' }],
  ];
  const accepted = type === 'integer' ? 'number' : type; // 42 is an integer too
  return candidates.filter(([candidate]) => candidate !== accepted).map(([candidate, value]) => ({ what: `a ${candidate}`, value }));
}

function wrongTextTypes(type: string | undefined): InvalidValue[] {
  if (type === 'integer' || type === 'number') return [{ what: 'not a number', value: 'abc' }];
  if (type === 'boolean') return [{ what: 'not a boolean', value: 'maybe' }];
  return [];
}

function asForm(value: number, form: 'json' | 'text'): unknown {
  return form === 'json' ? value : String(value);
}

/** Inlines every `#/components/...` reference of `value`, so a schema can be read (and validated) on its own. */
export function inlineRefs(value: unknown, document: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => inlineRefs(item, document));
  if (!value || typeof value !== 'object') return value;
  const ref = (value as { $ref?: unknown }).$ref;
  if (typeof ref === 'string') {
    const target = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], document);
    return inlineRefs(target, document);
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, inlineRefs(item, document)]));
}
