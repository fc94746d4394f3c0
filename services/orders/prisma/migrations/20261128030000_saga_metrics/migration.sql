-- When an order was decided (CONFIRMED or CANCELLED): placed -> decided is the saga's latency, reported as a metric
-- and shown by `ops order`. Orders decided before this migration get their last change as an approximation.
ALTER TABLE "orders" ADD COLUMN "decided_at" TIMESTAMPTZ(3);
UPDATE "orders" SET "decided_at" = "updated_at" WHERE "status" <> 'PENDING';
CREATE INDEX "orders_decided_at_idx" ON "orders"("decided_at") WHERE "decided_at" IS NOT NULL;

-- Up to when the saga's metrics have been reported. One row: whichever worker reports next takes the window since,
-- so each decision is counted once however many workers run (application/report-saga-metrics.ts).
CREATE TABLE "saga_metrics_cursor" (
    "id" BOOLEAN NOT NULL DEFAULT true,
    "reported_until" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "saga_metrics_cursor_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "saga_metrics_cursor_one_row" CHECK ("id")
);
INSERT INTO "saga_metrics_cursor" ("reported_until") VALUES (now());
