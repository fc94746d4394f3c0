import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './stack';

/** Debian's Chromium (.ci/run installs it); playwright-core brings no browser of its own. */
export const chromiumPath = '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** What went wrong in the pages of one context: console errors, uncaught exceptions, 5xx answers. */
export class PageErrors {
  readonly messages: string[] = [];
  private readonly tracked = new WeakSet<Page>();

  track(page: Page): void {
    if (this.tracked.has(page)) return;
    this.tracked.add(page);
    const where = () => page.url();
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const location = message.location();
      this.messages.push(`console error at ${where()}: ${message.text()}${location.url ? ` (${location.url}:${location.lineNumber})` : ''}`);
    });
    page.on('pageerror', (error) => this.messages.push(`page error at ${where()}: ${error.stack ?? error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 500) this.messages.push(`${response.status()} from ${response.request().method()} ${response.url()} (page ${where()})`);
    });
  }

  /** Throws, listing them, if anything went wrong so far. */
  expectNone(): void {
    if (this.messages.length > 0) throw new Error(`the browser reported ${this.messages.length} error(s):\n${this.messages.join('\n')}`);
  }
}

export interface Shopper {
  context: BrowserContext;
  page: Page;
  errors: PageErrors;
  close(): Promise<void>;
}

/** A fresh browser context (its own storage: one shopper) with one page, every page of it tracked for errors. */
export async function newShopper(browser: Browser, baseURL: string): Promise<Shopper> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(15_000);
  const errors = new PageErrors();
  context.on('page', (page) => errors.track(page));
  const page = await context.newPage();
  errors.track(page);
  return { context, page, errors, close: () => context.close() };
}

export const screenshotDir = path.join(repoRoot, 'reports', 'screenshots');

/** Saves the whole page to reports/screenshots/<name>.png, the run's evidence; returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}
