import { createHash } from 'node:crypto';
import { DomainError } from '@bookstore/kit';
import type { PlacedOrder, PlaceOrderRequest } from '../api/types';

/**
 * The request as compared when its Idempotency-Key comes again: a hash of it, its items merged, so the same order
 * written with a book on two lines counts as the same request.
 */
export function hashRequest(request: PlaceOrderRequest): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

/**
 * The CTE that claims an Idempotency-Key within the statement that places the order. Its placeholders: the key
 * (null for a request without one, and then nothing is claimed), the request's hash, the new order's id and its
 * answer. It returns the key's row whether it is new or not: ON CONFLICT DO UPDATE (writing the key back
 * unchanged) rather than DO NOTHING, because DO NOTHING returns no row, and a SELECT in the same statement reads
 * the statement's snapshot, which misses a row that a concurrent request with the same key committed meanwhile;
 * DO UPDATE waits for that request, then finds, locks and returns the latest version of its row.
 */
export function claimIdempotencyKeySql(key: string, requestHash: string, orderId: string, answer: string): string {
  return `INSERT INTO idempotency_keys (key, request_hash, order_id, response)
    SELECT ${key}::text, ${requestHash}::text, ${orderId}::uuid, ${answer}::jsonb WHERE ${key}::text IS NOT NULL
    ON CONFLICT (key) DO UPDATE SET key = idempotency_keys.key
    RETURNING order_id, request_hash, response`;
}

/** The first answer as a key's row keeps it: all of it but the access token, which is derived again (access-token.ts). */
export type StoredAnswer = Omit<PlacedOrder, 'accessToken'>;

/** A key's row as `claimIdempotencyKeySql` returns it, its order id as text. */
export interface IdempotencyKeyRow {
  order_id: string;
  request_hash: string;
  response: StoredAnswer;
}

/**
 * What a claimed key's row means for this request: undefined when the row is this request's own (go on, the order
 * is placed), the first answer when the same request came before; the same key with another request is a conflict.
 */
export function earlierAnswer(row: IdempotencyKeyRow, request: { orderId: string; requestHash: string }): StoredAnswer | undefined {
  if (row.order_id === request.orderId) return undefined;
  if (row.request_hash !== request.requestHash) {
    throw new DomainError('conflict', 'idempotency_key_reused', 'this Idempotency-Key was used for a different request');
  }
  return row.response;
}
