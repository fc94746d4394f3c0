import { createHmac } from 'node:crypto';
import { secretsEqual } from '@bookstore/kit';

/**
 * The secret that lets a shopper read their order, derived from the order id with the server's key (ORDER_TOKEN_KEY)
 * rather than drawn at random: nothing about it is stored anywhere, not even a hash, so no table, backup or stored
 * idempotent answer can give it away, and a replayed Idempotency-Key gets it derived again. The price: a new key
 * makes every token handed out before it useless (infra/README.md, "The order token key").
 */
export interface OrderAccessTokens {
  of(orderId: string): string;
  /** Whether `token` is the order's, compared in constant time. */
  matches(orderId: string, token: string): boolean;
}

export function orderAccessTokens(key: string): OrderAccessTokens {
  // The purpose in the message, so that the key could sign something else one day without the two colliding.
  const of = (orderId: string) => createHmac('sha256', key).update(`order-access-token:${orderId}`).digest('base64url');
  return { of, matches: (orderId, token) => secretsEqual(token, of(orderId)) };
}
