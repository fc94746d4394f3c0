import { eventually } from '@bookstore/kit/testing';

export interface Reply<T = any> {
  status: number;
  body: T;
}

export const cards = {
  good: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
};

let isbnCounter = 0;

/** A valid ISBN-13 that no other test uses. */
export function freshIsbn(): string {
  const base = `978${String(Date.now() % 1e6).padStart(6, '0')}${String(++isbnCounter % 1000).padStart(3, '0')}`;
  const sum = [...base].reduce((total, digit, index) => total + Number(digit) * (index % 2 === 0 ? 1 : 3), 0);
  return `${base}${(10 - (sum % 10)) % 10}`;
}

/** Talks to the system through the gateway, as a browser or curl would. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly adminToken: string,
  ) {}

  async request<T = any>(method: string, path: string, { body, token, headers = {} }: { body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<Reply<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  admin<T = any>(method: string, path: string, body?: unknown): Promise<Reply<T>> {
    return this.request<T>(method, path, { body, token: this.adminToken });
  }

  /** Adds a book through the admin API; Orders learns its price from the BookUpserted event shortly after. */
  async addBook(overrides: Record<string, unknown> = {}): Promise<{ id: string; stock: number; priceCents: number }> {
    const { status, body } = await this.admin('POST', '/api/catalog/books', {
      isbn: freshIsbn(),
      title: 'The Test Book',
      author: 'A. Tester',
      priceCents: 1500,
      stock: 10,
      ...overrides,
    });
    if (status !== 201) throw new Error(`adding a book failed: ${status} ${JSON.stringify(body)}`);
    return body;
  }

  async book(id: string): Promise<{ stock: number }> {
    return (await this.request('GET', `/api/catalog/books/${id}`)).body;
  }

  async registerCard(cardNumber = cards.good): Promise<string> {
    const { status, body } = await this.request('POST', '/api/payments/methods', {
      body: { cardNumber, expMonth: 12, expYear: new Date().getFullYear() + 2, cvc: '123', holderName: 'Ada Lovelace' },
    });
    if (status !== 201) throw new Error(`registering a card failed: ${status} ${JSON.stringify(body)}`);
    return body.paymentMethodId;
  }

  /** Places an order, retrying while Orders' replica has not heard of a just-added book yet. */
  async placeOrder(items: { bookId: string; quantity: number }[], paymentMethodId: string, headers: Record<string, string> = {}) {
    const body = { customer: { email: 'ada@example.com', name: 'Ada Lovelace' }, items, paymentMethodId };
    return eventually(
      async () => {
        const reply = await this.request('POST', '/api/orders', { body, headers });
        if (reply.status === 422 && reply.body?.error?.code === 'unknown_books') return undefined;
        if (reply.status !== 202) throw new Error(`placing an order failed: ${reply.status} ${JSON.stringify(reply.body)}`);
        return reply.body as { orderId: string; status: string; accessToken: string };
      },
      { what: 'the book to reach Orders' },
    );
  }

  async order(orderId: string, accessToken: string) {
    return (await this.request('GET', `/api/orders/${orderId}`, { token: accessToken })).body;
  }

  /** Polls an order until it is CONFIRMED or CANCELLED, as the shopper's browser does. */
  async settledOrder(orderId: string, accessToken: string, timeoutMs = 20_000) {
    return eventually(
      async () => {
        const order = await this.order(orderId, accessToken);
        return order?.status === 'PENDING' ? undefined : order;
      },
      { timeoutMs, what: `order ${orderId} to be decided` },
    );
  }

  async payment(orderId: string) {
    return this.admin('GET', `/api/payments/orders/${orderId}`);
  }
}
