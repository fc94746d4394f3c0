/**
 * The shapes of Orders' HTTP requests and answers: the contract its clients (the web app among them) build on, derived
 * from the schemas its OpenAPI document is generated from. Type-only imports, so the web app pulls in no service code.
 */
import type { z } from 'zod';
import type { orderPage, orderView, placedOrder } from './responses';
import type { placeOrderBody } from './schemas';

export type PlaceOrderRequest = z.output<typeof placeOrderBody>;
export type PlacedOrder = z.output<typeof placedOrder>;
export type OrderView = z.output<typeof orderView>;
export type OrderPage = z.output<typeof orderPage>;
