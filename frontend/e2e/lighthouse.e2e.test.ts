import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { chromiumPath, launchBrowser, newShopper, repoRoot, startLocalStack, type LocalStack } from './support';

/**
 * Lighthouse (the npm package, Debian's Chromium, its defaults: mobile, simulated throttling) on the home
 * page and a book page, served as `npm start` serves them. Accessibility, best practices and SEO must score
 * 1.0 in every run; performance at least 0.95 as the median of `runs` runs per page. `npm test` (scripts/test.mjs)
 * runs this file by itself, after the rest: the simulated total blocking time (4x the observed main-thread tasks)
 * follows whatever else shares the 2 cores, and with another jest worker beside it medians of 0.88-0.98 were
 * measured, against 0.98-0.99 alone. Each run's scores go to reports/lighthouse.json and the test's output. The
 * bundle split is checked here too: the first page must not load the code of the other routes.
 */
jest.setTimeout(600_000);

const runs = 3;
const thresholds = { performance: 0.95, accessibility: 1, 'best-practices': 1, seo: 1 } as const;
type Category = keyof typeof thresholds;
const lighthouseCli = path.join(repoRoot, 'node_modules', 'lighthouse', 'cli', 'index.js');
const chromeFlags = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

interface Run {
  scores: Record<Category, number>;
  metrics: Record<string, string>;
  failing: string[];
}

/**
 * One Lighthouse run of `url`, tried again (at most twice) only when Lighthouse itself fails to record the trace
 * and says to run it again (NO_NAVSTART, seen once in a clean-clone CI run): that says nothing about the page.
 */
async function lighthouse(url: string, outputPath: string, attemptsLeft = 2): Promise<Run> {
  try {
    return await lighthouseOnce(url, outputPath);
  } catch (error) {
    if (attemptsLeft > 0 && /Please run Lighthouse again/.test(String(error))) {
      console.warn(`Lighthouse could not record ${url} and asks to be run again: ${String(error).split('\n')[1] ?? ''}`);
      return lighthouse(url, outputPath, attemptsLeft - 1);
    }
    throw error;
  }
}

/** One Lighthouse run of `url` through its CLI (Lighthouse is ESM-only; jest runs CommonJS). */
async function lighthouseOnce(url: string, outputPath: string): Promise<Run> {
  const child = spawn(process.execPath, [lighthouseCli, url, '--quiet', '--output=json', `--output-path=${outputPath}`, `--chrome-flags=${chromeFlags.join(' ')}`], {
    env: { ...process.env, CHROME_PATH: chromiumPath },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`lighthouse exited with ${code} for ${url}:\n${stderr}`);
  const report = JSON.parse(readFileSync(outputPath, 'utf8')) as {
    runtimeError?: { message: string };
    categories: Record<string, { score: number | null; auditRefs: { id: string; weight: number }[] }>;
    audits: Record<string, { score: number | null; displayValue?: string }>;
  };
  if (report.runtimeError) throw new Error(`lighthouse could not load ${url}: ${report.runtimeError.message}`);
  const scores = Object.fromEntries(Object.keys(thresholds).map((category) => [category, report.categories[category]?.score ?? 0])) as Record<Category, number>;
  const metrics = Object.fromEntries(
    ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift', 'speed-index'].map((id) => [id, report.audits[id]?.displayValue ?? '?']),
  );
  const failing = Object.entries(report.categories).flatMap(([category, { auditRefs }]) =>
    auditRefs.filter(({ id, weight }) => weight > 0 && (report.audits[id]?.score ?? 1) < 1).map(({ id }) => `${category}/${id} ${report.audits[id]?.score} ${report.audits[id]?.displayValue ?? ''}`.trim()),
  );
  return { scores, metrics, failing };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

let stack: LocalStack;
let browser: Browser;
let book: { id: string; title: string; author: string };

beforeAll(async () => {
  stack = await startLocalStack({ logFile: path.join(repoRoot, 'reports', 'lighthouse-stack.log') });
  browser = await launchBrowser();
  const page = (await (await fetch(`${stack.gatewayUrl}/api/catalog/books?q=dune`)).json()) as { items: { id: string; title: string; author: string }[] };
  book = page.items.find(({ title }) => title === 'Dune')!;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
}, 90_000);

describe('the first page', () => {
  it('loads the catalog and the book page, not the cart, checkout, orders or admin code, which come with their routes', async () => {
    const shopper = await newShopper(browser, stack.gatewayUrl);
    try {
      const scripts: string[] = [];
      shopper.page.on('request', (request) => {
        if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
      });
      await shopper.page.goto('/');
      await shopper.page.getByRole('article', { name: 'Dune', exact: true }).waitFor();
      const later = /\/assets\/(Admin|Cart|Checkout|MyOrders|OrderStatus)-[\w-]+\.js$/;
      expect(scripts.filter((script) => later.test(script))).toEqual([]);
      expect(scripts.length).toBeGreaterThan(0);
      // The split is real: the admin page brings its own chunk.
      await shopper.page.getByRole('link', { name: 'Admin' }).click();
      await shopper.page.getByRole('heading', { name: 'Admin' }).waitFor();
      expect(scripts.filter((script) => /\/assets\/Admin-[\w-]+\.js$/.test(script))).toHaveLength(1);
      shopper.errors.expectNone();
    } finally {
      await shopper.close();
    }
  });

  it('gives each page its own title and description', async () => {
    const shopper = await newShopper(browser, stack.gatewayUrl);
    try {
      const { page } = shopper;
      const description = () => page.locator('meta[name="description"]').getAttribute('content');
      // Polled from outside: the page's CSP (rightly) refuses the string evaluation waitForFunction would use.
      const waitForTitle = async (title: string) => {
        const deadline = Date.now() + 10_000;
        while ((await page.title()) !== title) {
          if (Date.now() > deadline) expect(await page.title()).toBe(title);
          await page.waitForTimeout(50);
        }
      };
      await page.goto('/');
      await waitForTitle('Books · Bookstore');
      const home = await description();
      await page.goto(`/books/${book.id}`);
      await waitForTitle(`${book.title} by ${book.author} · Bookstore`);
      expect(await description()).toContain(book.title);
      expect(await description()).not.toBe(home);
      await page.goto('/cart');
      await waitForTitle('Your cart · Bookstore');
      shopper.errors.expectNone();
    } finally {
      await shopper.close();
    }
  });
});

describe('Lighthouse, mobile, simulated throttling', () => {
  const results: Record<string, Run[]> = {};
  afterAll(() => {
    mkdirSync(path.join(repoRoot, 'reports'), { recursive: true });
    writeFileSync(path.join(repoRoot, 'reports', 'lighthouse.json'), `${JSON.stringify(results, null, 2)}\n`);
  });

  it.each([
    ['the home page', () => '/'],
    ['a book page', () => `/books/${book.id}`],
  ])(`scores ${thresholds.performance}+ on performance (median of ${runs}) and 1.0 on the rest on %s`, async (name, pagePath) => {
    const url = `${stack.gatewayUrl}${pagePath()}`;
    const done: Run[] = (results[name] = []);
    for (let i = 0; i < runs; i++) done.push(await lighthouse(url, path.join(repoRoot, 'reports', `lighthouse-${name.replaceAll(' ', '-')}.json`)));
    console.log(`Lighthouse on ${name}:\n${done.map((run, i) => `  run ${i + 1}: ${JSON.stringify(run.scores)} ${JSON.stringify(run.metrics)}`).join('\n')}`);
    for (const category of ['accessibility', 'best-practices', 'seo'] as const) {
      expect({ category, scores: done.map((run) => run.scores[category]), failing: done.flatMap((run) => run.failing.filter((audit) => audit.startsWith(`${category}/`))) }).toEqual({ category, scores: done.map(() => thresholds[category]), failing: [] });
    }
    const performance = done.map((run) => run.scores.performance);
    const failing = done.map((run) => run.failing.filter((audit) => audit.startsWith('performance/')));
    const bar = thresholds.performance;
    expect({ median: median(performance) >= bar ? `at least ${bar}` : median(performance), performance, failing }).toEqual({ median: `at least ${bar}`, performance, failing });
  });
});
