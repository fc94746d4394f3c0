-- The W3C trace context (traceparent) of the transaction that wrote an event, published with it as a message
-- attribute, so that whoever handles the event continues the trace (services/kit/src/messaging/outbox.ts).
ALTER TABLE "outbox_events" ADD COLUMN "traceparent" TEXT;
