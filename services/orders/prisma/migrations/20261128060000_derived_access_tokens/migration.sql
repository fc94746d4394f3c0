-- An order's access token is now derived from its id with the server's key (ORDER_TOKEN_KEY, see
-- src/application/access-token.ts), so nothing about it is stored: not its hash in orders, not the token itself in the
-- first answer an Idempotency-Key keeps. Tokens handed out before this migration no longer open their orders.
ALTER TABLE "orders" DROP COLUMN "access_token_hash";
UPDATE "idempotency_keys" SET "response" = "response" - 'accessToken' WHERE "response" ? 'accessToken';
