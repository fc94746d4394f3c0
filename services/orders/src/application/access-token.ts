import { createHash, randomBytes } from 'node:crypto';
import { secretsEqual } from '@bookstore/kit';

/** The secret that lets a shopper read their order: handed out once, stored only as its hash. */
export function newAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashAccessToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether `token` is the one whose hash the order stores, compared in constant time. */
export function accessTokenMatches(token: string, storedHash: string): boolean {
  return secretsEqual(hashAccessToken(token), storedHash);
}
