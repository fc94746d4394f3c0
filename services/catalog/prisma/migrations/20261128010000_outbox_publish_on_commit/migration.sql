-- The process that commits outbox events now publishes them itself (services/kit/src/messaging/dispatcher.ts), and
-- the relay only polls for the ones it did not: nothing listens for these notifications any more.
DROP TRIGGER "outbox_events_notify" ON "outbox_events";
DROP FUNCTION "notify_outbox_events"();
