import { services } from '@bookstore/kit/platform';
import { orderWrites, oversizeBody } from '../src/firewall';
import { ofType, synthesize } from './harness';

/** The services' API operations, as their routes and OpenAPI documents declare them (loaded at run time: service code). */
interface Operation {
  method: string;
  path: string;
  body?: { parse(value: unknown): unknown };
}
const operationsOf = (service: keyof typeof services): Record<string, Operation> => {
  const module = require(`../../services/${service}/src/api/operations`) as Record<string, { operations: Record<string, Operation> }>;
  return module[`${service}Api`]!.operations;
};
const schemasOf = (service: keyof typeof services) =>
  require(`../../services/${service}/src/api/schemas`) as Record<string, { parse(value: unknown): unknown }>;
const rateRule = (declared: Awaited<ReturnType<typeof synthesize>>['declared'], limitOf: (rule: any) => boolean) =>
  ofType(declared, 'aws:wafv2/webAcl:WebAcl')[0]!.inputs.rules.find((rule: any) => rule.statement.rateBasedStatement && limitOf(rule));

/** How many bytes a JSON body is on the wire, as the web app sends it (JSON.stringify, UTF-8). */
const bytes = (body: unknown) => Buffer.byteLength(JSON.stringify(body), 'utf8');
/** A character of three bytes in UTF-8, the most one UTF-16 unit (what zod's max counts) can take. */
const wide = (length: number) => '書'.repeat(length);
/** The WAF sees only this much of a body behind an ALB, and the common rule set blocks anything longer. */
const inspectedBodyBytes = 8 * 1024;

describe('the WAF rate limits, set per stack', () => {
  it('takes both limits from the stack settings', async () => {
    const { declared } = await synthesize('prod', { 'bookstore:wafRequestsPer5Minutes': '5000', 'bookstore:wafOrderWritesPer10Minutes': '12' });
    expect(rateRule(declared, (rule) => !rule.statement.rateBasedStatement.scopeDownStatement).statement.rateBasedStatement).toMatchObject({
      limit: 5_000,
      evaluationWindowSec: 300,
    });
    expect(rateRule(declared, (rule) => rule.statement.rateBasedStatement.scopeDownStatement).statement.rateBasedStatement).toMatchObject({
      limit: 12,
      evaluationWindowSec: 600,
    });
  });

  it('refuses a limit AWS WAF would refuse, before anything is created', async () => {
    await expect(synthesize('dev', { 'bookstore:wafOrderWritesPer10Minutes': '5' })).rejects.toThrow(
      /wafOrderWritesPer10Minutes must be a whole number of requests, at least 10/,
    );
    await expect(synthesize('dev', { 'bookstore:wafRequestsPer5Minutes': '2500.5' })).rejects.toThrow(
      /wafRequestsPer5Minutes must be a whole number/,
    );
  });
});

describe("the WAF's view of the services' API", () => {
  const all = (Object.keys(services) as (keyof typeof services)[]).flatMap((service) =>
    Object.entries(operationsOf(service)).map(([name, operation]) => ({ service, name, ...operation })),
  );

  it('counts exactly the operations that register a card or place an order in the tight rate limit', async () => {
    const { declared } = await synthesize('dev');
    const [method, path] = rateRule(declared, (rule) => rule.statement.rateBasedStatement.scopeDownStatement).statement.rateBasedStatement
      .scopeDownStatement.andStatement.statements;
    const counted = new RegExp(path.regexMatchStatement.regexString);
    const concrete = (template: string) => template.replace(/\{\w+\}/g, '0b7e5d8e-5c1a-4c1e-9f1e-2d3c4b5a6978');
    const guarded = all.filter(
      (operation) => operation.method.toUpperCase() === method.byteMatchStatement.searchString && counted.test(concrete(operation.path)),
    );
    expect(guarded.map(({ service, name }) => `${service}.${name}`).sort()).toEqual(['orders.placeOrder', 'payments.registerCard']);
    expect(guarded.map(({ path: guardedPath }) => guardedPath).sort()).toEqual([...orderWrites.paths].sort());
  });

  it('lets the largest valid order and card through: their bodies fit the 8 KB the WAF inspects', () => {
    const withBody = all.filter(({ body }) => body).map(({ service, name }) => `${service}.${name}`);
    // Any other body Orders or Payments accepts needs the same look (Catalog's bodies are exempt: src/firewall.ts).
    expect(withBody.filter((name) => !name.startsWith('catalog.')).sort()).toEqual(['orders.placeOrder', 'payments.registerCard']);

    const domain = `${'b'.repeat(63)}.${'c'.repeat(63)}.com`;
    const email = `${'a'.repeat(254 - domain.length - 1)}@${domain}`;
    expect(email).toHaveLength(254);
    const largestOrder = {
      customer: { email, name: wide(200) },
      // Fifty lines, each of the highest quantity (as many lines of one book as of fifty books: the size is the same).
      items: Array.from({ length: 50 }, () => ({ bookId: '0b7e5d8e-5c1a-4c1e-9f1e-2d3c4b5a6978', quantity: 100 })),
      paymentMethodId: `pm_${'A'.repeat(64)}`,
    };
    // The longest card number there is, 19 digits, typed with a separator every four (the schema drops them).
    const { passesLuhn } = require('../../services/payments/src/domain/card') as { passesLuhn(digits: string): boolean };
    const checkDigit = [...'0123456789'].find((digit) => passesLuhn(`424242424242424242${digit}`))!;
    const largestCard = { cardNumber: `4242 4242 4242 4242 42${checkDigit}`, expMonth: 12, expYear: 2099, cvc: '1234', holderName: wide(200) };
    expect(() => schemasOf('orders').placeOrderBody!.parse(largestOrder)).not.toThrow();
    expect(() => schemasOf('payments').cardBody!.parse(largestCard)).not.toThrow();
    // One more line, or a quantity past the limit, is invalid: these are the largest.
    expect(() => schemasOf('orders').placeOrderBody!.parse({ ...largestOrder, items: [...largestOrder.items, largestOrder.items[0]] })).toThrow();
    expect(bytes(largestOrder)).toBeLessThan(inspectedBodyBytes);
    expect(bytes(largestCard)).toBeLessThan(inspectedBodyBytes);
  });

  it("exempts Catalog's admin writes from the 8 KB cap, because a valid book can be larger", () => {
    const largestBook = {
      isbn: '9780306406157',
      title: wide(300),
      author: wide(300),
      description: wide(5_000),
      priceCents: 10_000_000,
      currency: 'EUR',
      stock: 1_000_000,
    };
    expect(() => schemasOf('catalog').newBookBody!.parse(largestBook)).not.toThrow();
    expect(bytes(largestBook)).toBeGreaterThan(inspectedBodyBytes);
    expect(oversizeBody.allowedUnder).toBe(`${services.catalog.pathPrefix}/`);
    for (const { method, path } of all.filter(({ service, body }) => service === 'catalog' && body)) {
      expect([method, path.startsWith(oversizeBody.allowedUnder)]).toEqual([method, true]);
    }
  });
});
