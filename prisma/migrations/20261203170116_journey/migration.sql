-- CreateTable
CREATE TABLE "member_journey" (
    "memberId" TEXT NOT NULL,
    "stage" TEXT NOT NULL DEFAULT 'visitor',
    "stageSince" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "timezone" TEXT,
    "inviteCode" TEXT,
    "inviteCodeAt" TIMESTAMP(3),
    "level" TEXT,
    "levelSince" TIMESTAMP(3),

    CONSTRAINT "member_journey_pkey" PRIMARY KEY ("memberId")
);

-- CreateTable
CREATE TABLE "stage_change" (
    "id" BIGSERIAL NOT NULL,
    "memberId" TEXT NOT NULL,
    "fromStage" TEXT,
    "stage" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stage_change_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "journey_fact" (
    "id" BIGSERIAL NOT NULL,
    "memberId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "detail" TEXT,
    "by" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "journey_fact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "purchase_code" (
    "code" TEXT NOT NULL,
    "batch" TEXT NOT NULL,
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "redeemedBy" TEXT,
    "redeemedAt" TIMESTAMP(3),

    CONSTRAINT "purchase_code_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "referral" (
    "referredId" TEXT NOT NULL,
    "referrerId" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "referral_pkey" PRIMARY KEY ("referredId")
);

-- CreateTable
CREATE TABLE "series" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "series_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "series_step" (
    "seriesId" TEXT NOT NULL,
    "idx" INTEGER NOT NULL,
    "delayDays" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "linkLabel" TEXT,
    "linkUrl" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "series_step_pkey" PRIMARY KEY ("seriesId","idx")
);

-- CreateTable
CREATE TABLE "series_enrollment" (
    "seriesId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "nextStep" INTEGER NOT NULL DEFAULT 0,
    "status" TEXT NOT NULL DEFAULT 'active',
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "series_enrollment_pkey" PRIMARY KEY ("seriesId","memberId")
);

-- CreateTable
CREATE TABLE "journey_setting" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "journey_setting_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "member_journey_inviteCode_key" ON "member_journey"("inviteCode");

-- CreateIndex
CREATE INDEX "stage_change_memberId_at_idx" ON "stage_change"("memberId", "at");

-- CreateIndex
CREATE INDEX "stage_change_at_idx" ON "stage_change"("at");

-- CreateIndex
CREATE INDEX "journey_fact_memberId_kind_idx" ON "journey_fact"("memberId", "kind");

-- CreateIndex
CREATE INDEX "purchase_code_batch_idx" ON "purchase_code"("batch");

-- CreateIndex
CREATE INDEX "referral_referrerId_idx" ON "referral"("referrerId");

-- CreateIndex
CREATE UNIQUE INDEX "series_name_key" ON "series"("name");

-- CreateIndex
CREATE INDEX "series_topic_idx" ON "series"("topic");

-- CreateIndex
CREATE INDEX "series_enrollment_status_idx" ON "series_enrollment"("status");

-- AddForeignKey
ALTER TABLE "series_step" ADD CONSTRAINT "series_step_seriesId_fkey" FOREIGN KEY ("seriesId") REFERENCES "series"("id") ON DELETE CASCADE ON UPDATE CASCADE;
