/**
 * What tests outside Orders drive it with when they take the transport out (services/apphost/test/shuffled-saga.test.ts):
 * its database client, its real event handlers, and the use case that places orders with its access tokens.
 */
export { orderAccessTokens } from '../application/access-token';
export { placeOrder } from '../application/place-order';
export { createOrdersDb } from '../infrastructure/database';
export { ordersEventHandlers } from '../integration/handlers';
