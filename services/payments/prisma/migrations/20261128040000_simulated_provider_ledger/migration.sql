-- The simulated card provider's own records (services/payments/src/infrastructure/simulated-provider.ts): what a real
-- provider keeps on its side. Payments calls it outside its transactions, with an idempotency key, so a charge or a
-- refund retried after a crash is answered from here instead of being made twice. Payments' own code never reads
-- these tables; the tests do, to count what the provider was asked to do.
CREATE TABLE "simulated_provider_charges" (
    "idempotency_key" TEXT NOT NULL,
    "amount_cents" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "simulated_provider_charges_pkey" PRIMARY KEY ("idempotency_key")
);

CREATE TABLE "simulated_provider_refunds" (
    "idempotency_key" TEXT NOT NULL,
    "payment_id" UUID NOT NULL,
    "amount_cents" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "simulated_provider_refunds_pkey" PRIMARY KEY ("idempotency_key")
);
