-- AlterTable
ALTER TABLE "outbox" ADD COLUMN     "replyHandle" JSONB;

-- CreateTable
CREATE TABLE "adapter_state" (
    "platform" TEXT NOT NULL,
    "account" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "adapter_state_pkey" PRIMARY KEY ("platform","account","key")
);

-- X is called "x" everywhere now (it was "twitter"): rows the console wrote under the old name follow.
UPDATE "identity" SET "platform" = 'x' WHERE "platform" = 'twitter';
UPDATE "subscription" SET "platform" = 'x' WHERE "platform" = 'twitter';
UPDATE "consent_event" SET "platform" = 'x' WHERE "platform" = 'twitter';
UPDATE "channel" SET "platform" = 'x' WHERE "platform" = 'twitter';
UPDATE "outbox" SET "platform" = 'x' WHERE "platform" = 'twitter';
UPDATE "handoff" SET "platform" = 'x' WHERE "platform" = 'twitter';
UPDATE "poll_post" SET "platform" = 'x' WHERE "platform" = 'twitter';
UPDATE "vote" SET "platform" = 'x' WHERE "platform" = 'twitter';
UPDATE "metric_event" SET "platform" = 'x' WHERE "platform" = 'twitter';
UPDATE "processed_event" SET "platform" = 'x' WHERE "platform" = 'twitter';

-- CreateTable
CREATE TABLE "lease" (
    "name" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "acquiredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "lease_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "send_pace" (
    "platform" TEXT NOT NULL,
    "nextAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "send_pace_pkey" PRIMARY KEY ("platform")
);

-- AlterTable
ALTER TABLE "processed_event" ADD COLUMN     "event" JSONB,
ADD COLUMN     "handledAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "processed_event_handledAt_receivedAt_idx" ON "processed_event"("handledAt", "receivedAt");
