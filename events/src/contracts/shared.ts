import { z } from 'zod';

export const uuid = z.uuid();
export const cents = z.int().nonnegative();
export const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR');
export const quantity = z.int().positive();

export const stockLine = z.strictObject({ bookId: uuid, quantity });

/** An enum's values as a description names them: `a`, `b` or `c`. */
export function oneOf(values: readonly string[]): string {
  const quoted = values.map((value) => `\`${value}\``);
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : quoted.join('');
}
