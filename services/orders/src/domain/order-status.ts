/**
 * Where an order stands, from the shopper's point of view. The one list of them: the API's schemas and types and
 * the saga derive theirs from it, and a test holds the database's order_status enum to it. No imports, so the web
 * app can share the type.
 */
export const orderStatuses = ['PENDING', 'CONFIRMED', 'CANCELLED'] as const;

export type OrderStatus = (typeof orderStatuses)[number];
