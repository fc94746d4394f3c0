/**
 * What tests outside Orders drive it with when they take the transport out (services/apphost/test/shuffled-saga.test.ts):
 * its database client, its real event handlers, and the use case that places orders (with the tests' access tokens).
 */
export { placeOrder } from '../application/place-order';
export { testAccessTokens } from '../application/test-support';
export { createOrdersDb } from '../infrastructure/database';
export { ordersEventHandlers } from '../integration/handlers';
