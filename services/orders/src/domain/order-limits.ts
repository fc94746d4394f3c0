/** What one order may hold. No imports, so the API's schemas (and through them the web app's types) can share them. */

/** The most one order may charge: the total is stored as a 32-bit integer of cents. */
export const maxTotalCents = 2_147_483_647;
/** The most copies of one book in an order, also when the book is named on several lines. */
export const maxQuantityPerBook = 100;
