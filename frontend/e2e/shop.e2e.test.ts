import type { Browser, Page } from 'playwright-core';
import { createBook, launchBrowser, newShopper, screenshot, startLocalStack, type LocalStack, type Shopper } from './support';

/**
 * The shop in a real browser (headless Chromium) against the whole local stack, as `npm start` runs it:
 * the frontend served by the gateway, the three services, PostgreSQL and the SNS/SQS emulator.
 * Screenshots of each step land in reports/screenshots/.
 */
jest.setTimeout(120_000);

const approvedCard = '4242424242424242';
const declinedCard = '4000000000000002';
/** How long an order may take from "Place order" to its final status on the page (typically well under 2 s). */
const decisionTimeoutMs = 30_000;

let stack: LocalStack;
let browser: Browser;
const shoppers: Shopper[] = [];

beforeAll(async () => {
  stack = await startLocalStack();
  browser = await launchBrowser();
}, 180_000);

afterEach(async () => {
  await Promise.all(shoppers.splice(0).map((shopper) => shopper.close()));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
}, 90_000);

async function shopper(): Promise<Shopper> {
  const opened = await newShopper(browser, stack.gatewayUrl);
  shoppers.push(opened);
  return opened;
}

const bookCard = (page: Page, title: string) => page.getByRole('article', { name: title, exact: true });

/**
 * Types into the search box and waits until the search has run (the count names the query) and the book is
 * among the results. Waiting only for the book would race the debounced search when it was already listed.
 */
async function search(page: Page, text: string, expectedTitle: string): Promise<void> {
  await page.getByLabel('Search books').fill(text);
  await page.getByText(`for “${text}”`).waitFor();
  await bookCard(page, expectedTitle).waitFor();
}

async function addToCart(page: Page, title: string): Promise<void> {
  await bookCard(page, title).getByRole('button', { name: 'Add to cart' }).click();
}

const cartLink = (page: Page) => page.getByRole('link', { name: /^Cart/ });

/** From anywhere: the header's cart link, then "Checkout". */
async function goToCheckout(page: Page): Promise<void> {
  await cartLink(page).click();
  await page.getByRole('link', { name: 'Checkout' }).or(page.getByRole('button', { name: 'Checkout' })).click();
  await page.getByRole('button', { name: 'Place order' }).waitFor();
}

async function fillCheckout(page: Page, { name, email, card }: { name: string; email: string; card: string }): Promise<void> {
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Card number', { exact: true }).fill(card);
  await page.getByLabel('Expiry month', { exact: true }).fill('12');
  await page.getByLabel('Expiry year', { exact: true }).fill(String(new Date().getFullYear() + 3));
  await page.getByLabel('CVC', { exact: true }).fill('123');
}

/** Waits until the order page shows a final status and returns its text. */
async function orderOutcome(page: Page): Promise<string> {
  await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
  const status = page.getByRole('status').filter({ hasText: /Confirmed|Cancelled/ });
  await status.waitFor({ timeout: decisionTimeoutMs });
  return (await status.innerText()).trim();
}

describe('the shop in a browser', () => {
  it('notices console errors and uncaught exceptions (so "no errors" below means something)', async () => {
    const { page, errors } = await shopper();
    await page.goto('/');
    await page.evaluate(() => {
      console.error('a console error');
      setTimeout(() => {
        throw new Error('an uncaught exception');
      });
    });
    await page.waitForTimeout(200);
    expect(errors.messages).toEqual([expect.stringContaining('a console error'), expect.stringContaining('an uncaught exception')]);
    expect(() => errors.expectNone()).toThrow(/2 error\(s\)/);
  });

  it('shows the seeded catalog on the home page', async () => {
    const { page, errors } = await shopper();
    await page.goto('/');
    await bookCard(page, 'Dune').waitFor();
    await bookCard(page, '1984').waitFor();
    expect(await page.getByRole('article').count()).toBeGreaterThan(5);
    await screenshot(page, 'catalog');
    errors.expectNone();
  });

  it('finds books, checks two out with an approved card and follows the order to Confirmed', async () => {
    const { page, errors } = await shopper();
    await page.goto('/');

    await search(page, 'dune', 'Dune');
    await bookCard(page, '1984').waitFor({ state: 'detached' }); // the search filters the list
    await addToCart(page, 'Dune');
    await search(page, 'brave new', 'Brave New World');
    await addToCart(page, 'Brave New World');
    await cartLink(page).filter({ hasText: '2' }).waitFor();

    await cartLink(page).click();
    for (const title of ['Dune', 'Brave New World']) await page.getByRole('row').filter({ hasText: title }).waitFor();
    await screenshot(page, 'cart');

    await page.getByRole('link', { name: 'Checkout' }).or(page.getByRole('button', { name: 'Checkout' })).click();
    await fillCheckout(page, { name: 'Ada Lovelace', email: 'ada@example.com', card: approvedCard });
    await screenshot(page, 'checkout-form');
    await page.getByRole('button', { name: 'Place order' }).click();

    expect(await orderOutcome(page)).toMatch(/^Confirmed/);
    for (const title of ['Dune', 'Brave New World']) await page.getByRole('row').filter({ hasText: title }).waitFor();
    await screenshot(page, 'order-confirmed');
    expect(await cartLink(page).innerText()).not.toMatch(/[1-9]/); // the cart was emptied
    await page.reload(); // the order page is a real address: the gateway serves the app for it, the app finds the order
    expect(await orderOutcome(page)).toMatch(/^Confirmed/);

    // "My orders" lists it, with its status.
    const orderId = page.url().split('/').pop()!;
    await page.getByRole('link', { name: 'My orders' }).click();
    await page.getByRole('listitem').filter({ hasText: orderId.slice(0, 8) }).filter({ hasText: 'Confirmed' }).waitFor();
    errors.expectNone();
  });

  it('cancels the order of a declined card and says why', async () => {
    const { page, errors } = await shopper();
    await page.goto('/');
    await search(page, 'dune', 'Dune');
    await addToCart(page, 'Dune');
    await goToCheckout(page);
    await fillCheckout(page, { name: 'Charles Babbage', email: 'charles@example.com', card: declinedCard });
    await page.getByRole('button', { name: 'Place order' }).click();

    const outcome = await orderOutcome(page);
    expect(outcome).toMatch(/Cancelled/);
    expect(outcome).toMatch(/card was declined/i);
    await screenshot(page, 'order-declined');

    // The books of a cancelled order can go straight back into the cart.
    await page.getByRole('button', { name: 'Put these books back in my cart' }).click();
    await page.waitForURL(/\/cart$/);
    await expect(cartLink(page).innerText()).resolves.toBe('Cart (1)');
    errors.expectNone();
  });

  it('lets an admin restock a sold-out book, which shoppers can then buy', async () => {
    const { page, errors } = await shopper();
    await page.goto('/admin');
    await page.getByLabel('Admin token').fill(stack.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const row = page.getByRole('row', { name: /Educated/ });
    await expect(row.getByRole('cell').first().innerText()).resolves.toBe('0');
    await row.getByLabel('Copies to add to Educated').fill('3');
    await row.getByRole('button', { name: 'Restock' }).click();
    await row.getByRole('cell', { name: '3', exact: true }).waitFor();
    await screenshot(page, 'admin-restocked');

    await page.goto('/');
    await search(page, 'educated', 'Educated');
    await expect(bookCard(page, 'Educated').innerText()).resolves.toContain('Only 3 left');
    await expect(bookCard(page, 'Educated').getByRole('button', { name: 'Add to cart' }).isEnabled()).resolves.toBe(true);
    errors.expectNone();
  });

  it('sells the last copy once when two shoppers buy it at the same time', async () => {
    const title = `The Last Copy ${Date.now().toString(36)}`;
    await createBook(stack, { title, author: 'E. N. Dtoend', priceCents: 1500, stock: 1 });

    const buyers = [
      { shopper: await shopper(), name: 'Grace Hopper', email: 'grace@example.com' },
      { shopper: await shopper(), name: 'Alan Turing', email: 'alan@example.com' },
    ];
    await Promise.all(
      buyers.map(async ({ shopper: { page }, name, email }) => {
        await page.goto('/');
        await search(page, title, title);
        await addToCart(page, title);
        await goToCheckout(page);
        await fillCheckout(page, { name, email, card: approvedCard });
      }),
    );
    // Both press "Place order" at about the same time.
    await Promise.all(buyers.map(({ shopper: { page } }) => page.getByRole('button', { name: 'Place order' }).click()));
    const outcomes = await Promise.all(buyers.map(({ shopper: { page } }) => orderOutcome(page)));

    const winner = outcomes.findIndex((outcome) => /^Confirmed/.test(outcome));
    const loser = 1 - winner;
    expect(winner).toBeGreaterThanOrEqual(0);
    expect(outcomes[loser]).toMatch(/Cancelled/);
    expect(outcomes[loser]).toMatch(/out of stock/i);
    await screenshot(buyers[winner]!.shopper.page, 'race-confirmed');
    await screenshot(buyers[loser]!.shopper.page, 'race-out-of-stock');

    // The catalog now shows the book as sold out, and it cannot be added to a cart.
    const { page } = buyers[loser]!.shopper;
    await page.goto(`/?q=${encodeURIComponent(title)}`);
    const card = bookCard(page, title);
    await card.getByText(/sold out/i).waitFor();
    expect(await card.getByRole('button', { name: 'Add to cart' }).isDisabled()).toBe(true);

    for (const { shopper: { errors } } of buyers) errors.expectNone();
  });
});
