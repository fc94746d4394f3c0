import path from 'node:path';
import { openApiPath, serviceNames, type ServiceName } from '@bookstore/kit';
import type { Browser, Locator, Page } from 'playwright-core';
import { apiReference } from '../web-policy';
import { launchBrowser, newShopper, repoRoot, screenshot, startLocalStack, type LocalStack, type Shopper } from './support';

/**
 * The API reference (apiReference in frontend/web-policy.ts) in headless Chromium against the whole local stack:
 * every service's OpenAPI document can be chosen, each shows all its operations, an operation shows its request
 * and response schemas, and nothing breaks the reference's Content-Security-Policy. Screenshots land in
 * reports/screenshots/.
 */
jest.setTimeout(120_000);

interface Schema {
  $ref?: string;
  properties?: Record<string, unknown>;
}
interface Operation {
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}
interface OpenApiDocument {
  info: { title: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** What the browser reports of one violation (the DOM's SecurityPolicyViolationEvent). */
interface CspViolation {
  effectiveDirective: string;
  blockedURI: string;
  sourceFile: string;
  lineNumber: number;
}

let stack: LocalStack;
let browser: Browser;
let reader: Shopper;
const violations: string[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ logFile: path.join(repoRoot, 'reports', 'api-docs-stack.log') });
  browser = await launchBrowser();
  reader = await newShopper(browser, stack.gatewayUrl);
  // Violations as the page sees them, besides the console errors newShopper collects: the directive and what it blocked.
  await reader.page.exposeBinding('reportCspViolation', (_source, violation: string) => void violations.push(violation));
  await reader.page.addInitScript(() => {
    const page = globalThis as unknown as { document: EventTarget; reportCspViolation(violation: string): void };
    page.document.addEventListener('securitypolicyviolation', (event) => {
      const { effectiveDirective, blockedURI, sourceFile, lineNumber } = event as unknown as CspViolation;
      page.reportCspViolation(`${effectiveDirective} blocked ${blockedURI || 'inline'} (${sourceFile}:${lineNumber})`);
    });
  });
}, 180_000);

afterAll(async () => {
  await reader?.close();
  await browser?.close();
  await stack?.stop();
}, 90_000);

async function openApiDocument(service: ServiceName): Promise<OpenApiDocument> {
  const response = await fetch(`${stack.gatewayUrl}${openApiPath(service)}`);
  if (response.status !== 200) throw new Error(`${openApiPath(service)} answered ${response.status}`);
  return (await response.json()) as OpenApiDocument;
}

/** The property names of a JSON body's schema, through one $ref to the document's components. */
function propertyNames(document: OpenApiDocument, content: Record<string, { schema: Schema }> | undefined): string[] {
  const schema = content?.['application/json']?.schema ?? {};
  const resolved = schema.$ref ? document.components?.schemas?.[schema.$ref.split('/').at(-1)!] : schema;
  return Object.keys(resolved?.properties ?? {});
}

interface ListedOperation {
  method: string;
  route: string;
  operation: Operation;
}

const operationsOf = (document: OpenApiDocument): ListedOperation[] =>
  Object.entries(document.paths).flatMap(([route, methods]) => Object.entries(methods).map(([method, operation]) => ({ method, route, operation })));

/** Swagger UI's block for one operation: its method's class, its path in data-path. */
const operationBlock = (page: Page, { method, route }: ListedOperation) =>
  page.locator(`.opblock-${method}`).filter({ has: page.locator(`.opblock-summary-path[data-path="${route}"]`) });

/** Switches a section of an operation to its "Schema" tab and returns what that tab shows. */
async function schemaTab(section: Locator): Promise<string> {
  await section.getByRole('tab', { name: 'Schema' }).first().click();
  return section.getByRole('tabpanel').first().innerText();
}

it(`shows every service's OpenAPI document at ${apiReference.path}, with all operations and their schemas, within its CSP`, async () => {
  const { page, errors } = reader;
  await page.goto(apiReference.path);
  const definitions = page.getByLabel('Select a definition');
  await definitions.waitFor();
  expect(await definitions.locator('option').allTextContents()).toEqual([...serviceNames]);

  for (const service of serviceNames) {
    const document = await openApiDocument(service);
    await definitions.selectOption({ label: service });
    await page.locator('.info .title', { hasText: document.info.title }).waitFor();

    const operations = operationsOf(document);
    for (const operation of operations) await operationBlock(page, operation).waitFor();
    expect(await page.locator('.opblock').count()).toBe(operations.length);

    // One operation opened: its request body's schema and its success answer's schema, as the document has them.
    const withBody = operations.find(({ operation }) => operation.requestBody) ?? operations[0]!;
    const opened = operationBlock(page, withBody);
    await opened.locator('.opblock-summary-control').click();
    const requestProperties = propertyNames(document, withBody.operation.requestBody?.content);
    if (requestProperties.length > 0) {
      const shown = await schemaTab(opened.locator('.opblock-section-request-body'));
      for (const property of requestProperties) expect([service, 'request', shown]).toEqual([service, 'request', expect.stringContaining(property)]);
    }
    const [status, success] = Object.entries(withBody.operation.responses).find(([code]) => code.startsWith('2'))!;
    const shown = await schemaTab(opened.locator(`tr.response[data-code="${status}"]`));
    for (const property of propertyNames(document, success.content)) expect([service, status, shown]).toEqual([service, status, expect.stringContaining(property)]);
    await screenshot(page, `api-docs-${service}`);
  }

  // Chromium's console error for a blocked inline style names the hash that would allow it.
  expect({ violations, browserErrors: errors.messages }).toEqual({ violations: [], browserErrors: [] });
});
