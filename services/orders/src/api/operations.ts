import type { ApiOperation, ServiceApi } from '@bookstore/kit';
import { z } from 'zod';
import { orderPage, orderView, placedOrder } from './responses';
import { idempotencyHeaders, listQuery, placeOrderBody } from './schemas';

const placeOrder = {
  method: 'post',
  path: '/api/orders',
  summary: 'Place an order',
  description:
    'Accepted, not yet decided: Catalog reserves the stock and Payments charges the card, and the order becomes CONFIRMED or CANCELLED. ' +
    'Poll GET /api/orders/{id} with the access token. With an Idempotency-Key, a repeat of the request gets the same answer.',
  // Anyone may call it, and each order holds stock until it is decided.
  rateLimit: 'orders',
  headers: idempotencyHeaders,
  body: placeOrderBody,
  bodyExample: {
    customer: { email: 'ada@example.com', name: 'Ada Lovelace' },
    items: [{ bookId: '0b7e5d8e-5c1a-4c1e-9f1e-2d3c4b5a6978', quantity: 1 }],
    paymentMethodId: 'pm_2f9c0a7d41b6e8c35a0d9e17',
  },
  success: {
    status: 202,
    description: 'The order, PENDING, with the token to read it.',
    body: placedOrder,
    headers: { Location: 'The URL of the order.' },
  },
  refusals: { 409: ['idempotency_key_reused'], 422: ['quantity_limit', 'unknown_books', 'mixed_currencies', 'order_too_large'] },
} satisfies ApiOperation;

const listOrders = {
  method: 'get',
  path: '/api/orders',
  summary: 'List orders, newest first',
  access: 'admin',
  query: listQuery,
  success: { status: 200, description: 'A page of orders.', body: orderPage },
} satisfies ApiOperation;

const getOrder = {
  method: 'get',
  path: '/api/orders/{id}',
  summary: 'Read an order and where it stands',
  description: 'Without the right token the answer is the 404 of an order that does not exist, so a guessed id reveals nothing.',
  access: 'orderAccess',
  params: z.object({ id: z.uuid().meta({ description: "The order's id; anything else is a 404." }) }),
  success: { status: 200, description: 'The order, its lines and its timeline. Never cached: its status moves.', body: orderView },
  refusals: { 404: ['order_not_found'] },
} satisfies ApiOperation;

export const ordersApi = {
  service: 'orders',
  version: '1.0.0',
  operations: { placeOrder, listOrders, getOrder },
} satisfies ServiceApi;
