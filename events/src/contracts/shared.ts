import { z } from 'zod';

export const uuid = z.uuid();
export const cents = z.int().nonnegative();
export const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR');
export const quantity = z.int().positive();

export const stockLine = z.strictObject({ bookId: uuid, quantity });
