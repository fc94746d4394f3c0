/**
 * The shapes of Payments' HTTP requests and answers: the contract its clients (the web app among them) build on,
 * derived from the schemas its OpenAPI document is generated from. Type-only imports, so the web app pulls in no
 * service code.
 */
import type { z } from 'zod';
import type { paymentMethodView, paymentView } from './responses';
import type { cardBody } from './schemas';

export type CardDetails = z.input<typeof cardBody>;
export type PaymentMethodView = z.output<typeof paymentMethodView>;
export type PaymentView = z.output<typeof paymentView>;
