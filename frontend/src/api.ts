import type { BookView, Page } from '@bookstore/catalog/api-types';
import type { OrderView, PlacedOrder, PlaceOrderRequest } from '@bookstore/orders/api-types';
import type { CardDetails, PaymentMethodView } from '@bookstore/payments/api-types';

export type { CardDetails, Page };

/** The services' error shape: `{error: {code, message, details?}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: { issues?: { path: string; message: string }[] } & Record<string, unknown>,
  ) {
    super(message);
  }

  /** Validation messages by field, keyed by the last part of the path (`body.customer.email` → `email`). */
  fieldErrors(): Record<string, string> {
    return Object.fromEntries((this.details?.issues ?? []).map(({ path, message }) => [path.split('.').pop() ?? path, message]));
  }
}

export type Book = BookView;
export type Order = OrderView;
export type OrderStatus = OrderView['status'];

async function request<T>(path: string, { method = 'GET', body, token, headers = {} }: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'The bookstore cannot be reached. Check your connection and try again.');
  }
  const payload = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = payload?.error;
    throw new ApiError(response.status, error?.code ?? 'unexpected_response', error?.message ?? `The bookstore answered ${response.status}.`, error?.details);
  }
  return payload as T;
}

export const api = {
  searchBooks: ({ q = '', page = 1, pageSize = 12 }: { q?: string; page?: number; pageSize?: number }) =>
    request<Page<Book>>(`/api/catalog/books?${new URLSearchParams({ ...(q ? { q } : {}), page: String(page), pageSize: String(pageSize) })}`),
  book: (id: string) => request<Book>(`/api/catalog/books/${encodeURIComponent(id)}`),
  registerCard: (card: CardDetails) => request<PaymentMethodView>('/api/payments/methods', { method: 'POST', body: card }),
  placeOrder: (order: PlaceOrderRequest, idempotencyKey: string) =>
    request<PlacedOrder>('/api/orders', { method: 'POST', body: order, headers: { 'Idempotency-Key': idempotencyKey } }),
  order: (orderId: string, accessToken: string) => request<Order>(`/api/orders/${encodeURIComponent(orderId)}`, { token: accessToken }),
  restock: (id: string, quantity: number, adminToken: string) => request<Book>(`/api/catalog/books/${id}/restock`, { method: 'POST', body: { quantity }, token: adminToken }),
  changePrice: (id: string, priceCents: number, adminToken: string) => request<Book>(`/api/catalog/books/${id}`, { method: 'PATCH', body: { priceCents }, token: adminToken }),
};
