import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { services } from '@bookstore/kit/platform';

export type OrderKind = 'good_card' | 'declined_card' | 'out_of_stock';

export interface Shop {
  ordersUrl: string;
  /** A payment method per kind of order: a good card for `good_card` and `out_of_stock`, a declined one otherwise. */
  cards: { good: string; declined: string };
  inStock: string[];
  soldOut: string[];
}

export interface ShopperTally {
  accepted: { orderId: string; kind: OrderKind }[];
  /** 4xx answers to a well-formed order: a bug, since every order sent is valid. */
  refused: { status: number; body: string }[];
  /** Orders whose placement was never acknowledged within the retry window. */
  abandoned: number;
  /** Answers that made a shopper retry, by status (`network` for a refused or dropped connection). */
  retries: Record<string, number>;
}

/** How long a shopper keeps retrying one order (same Idempotency-Key) before giving up. */
const retryWindowMs = 60_000;

/**
 * A steady stream of shoppers placing orders at a fixed rate (open loop: a slow answer does not slow the
 * stream). Each retries a failed placement with the same Idempotency-Key, as the web app does, so an order
 * is placed once however often the API dies mid-request.
 */
export class Shoppers {
  readonly tally: ShopperTally = { accepted: [], refused: [], abandoned: 0, retries: {} };
  private readonly inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly shop: Shop,
    private readonly random: () => number,
  ) {}

  start(ordersPerSecond: number): void {
    this.timer = setInterval(() => {
      const placing = this.placeOne().finally(() => this.inFlight.delete(placing));
      this.inFlight.add(placing);
    }, 1000 / ordersPerSecond);
  }

  /** Stops the stream and waits for the placements still retrying. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
  }

  private async placeOne(): Promise<void> {
    const kind = this.pick<OrderKind>(['good_card', 'good_card', 'good_card', 'good_card', 'declined_card', 'out_of_stock']);
    const items = [{ bookId: this.pick(this.shop.inStock), quantity: 1 + Math.floor(this.random() * 2) }];
    if (kind === 'out_of_stock') items.push({ bookId: this.pick(this.shop.soldOut), quantity: 1 });
    const body = JSON.stringify({
      customer: { email: 'chaos@example.com', name: 'Chaos Monkey' },
      items: items.filter((item, index) => items.findIndex(({ bookId }) => bookId === item.bookId) === index),
      paymentMethodId: kind === 'declined_card' ? this.shop.cards.declined : this.shop.cards.good,
    });
    const headers = { 'content-type': 'application/json', 'idempotency-key': randomUUID() };
    const deadline = Date.now() + retryWindowMs;
    while (Date.now() < deadline) {
      const response = await fetch(`${this.shop.ordersUrl}${services.orders.pathPrefix}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
      const text = await response?.text().catch(() => undefined);
      if (response?.status === 202 && text) {
        this.tally.accepted.push({ orderId: (JSON.parse(text) as { orderId: string }).orderId, kind });
        return;
      }
      if (response && text !== undefined && response.status < 500) {
        this.tally.refused.push({ status: response.status, body: text.slice(0, 300) });
        return;
      }
      const reason = response && text !== undefined ? String(response.status) : 'network';
      this.tally.retries[reason] = (this.tally.retries[reason] ?? 0) + 1;
      await sleep(250 + this.random() * 500);
    }
    this.tally.abandoned += 1;
  }

  private pick<T>(choices: readonly T[]): T {
    return choices[Math.floor(this.random() * choices.length)]!;
  }
}
