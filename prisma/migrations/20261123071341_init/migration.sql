-- CreateTable
CREATE TABLE "member" (
    "id" TEXT NOT NULL,
    "displayName" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "member_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity" (
    "id" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "platformUserId" TEXT NOT NULL,
    "displayName" TEXT,
    "dmChatId" TEXT,
    "reachable" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "identity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "processed_event" (
    "platform" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_event_pkey" PRIMARY KEY ("platform","eventId")
);

-- CreateTable
CREATE TABLE "topic" (
    "name" TEXT NOT NULL,
    "description" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "topic_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "subscription" (
    "memberId" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "identityId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "subscription_pkey" PRIMARY KEY ("memberId","topic")
);

-- CreateTable
CREATE TABLE "consent_event" (
    "id" BIGSERIAL NOT NULL,
    "memberId" TEXT,
    "topic" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "reason" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consent_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "channel" (
    "id" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "threadId" TEXT NOT NULL DEFAULT '',
    "title" TEXT,
    "kind" TEXT NOT NULL DEFAULT 'group',
    "name" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "registeredBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox" (
    "id" BIGSERIAL NOT NULL,
    "platform" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "threadId" TEXT,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "availableAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedUntil" TIMESTAMP(3),
    "lockedBy" TEXT,
    "lastError" TEXT,
    "sentAt" TIMESTAMP(3),
    "platformMessageId" TEXT,
    "correlationId" TEXT,
    "memberId" TEXT,
    "broadcastId" TEXT,
    "dedupeKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "faq_entry" (
    "id" TEXT NOT NULL,
    "question" TEXT NOT NULL,
    "answer" TEXT NOT NULL,
    "alternatives" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "faq_entry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "handoff" (
    "id" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "threadId" TEXT,
    "question" TEXT NOT NULL,
    "matchedFaqId" TEXT,
    "confidence" DOUBLE PRECISION,
    "status" TEXT NOT NULL DEFAULT 'open',
    "ownerChannelId" TEXT,
    "ownerThreadId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "firstAnsweredAt" TIMESTAMP(3),
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "handoff_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "handoff_message" (
    "id" BIGSERIAL NOT NULL,
    "handoffId" TEXT NOT NULL,
    "author" TEXT NOT NULL,
    "authorId" TEXT,
    "text" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "handoff_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "schedule" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "cron" TEXT,
    "runAt" TIMESTAMP(3),
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "schedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "schedule_run" (
    "scheduleId" TEXT NOT NULL,
    "occurrence" TIMESTAMP(3) NOT NULL,
    "claimedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimedBy" TEXT,
    "outcome" TEXT NOT NULL DEFAULT 'fired',
    "note" TEXT,

    CONSTRAINT "schedule_run_pkey" PRIMARY KEY ("scheduleId","occurrence")
);

-- CreateTable
CREATE TABLE "broadcast" (
    "id" TEXT NOT NULL,
    "scheduleId" TEXT,
    "occurrence" TIMESTAMP(3),
    "payload" JSONB NOT NULL,
    "audience" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'enqueuing',
    "total" INTEGER NOT NULL DEFAULT 0,
    "cursor" TEXT,
    "progressRef" JSONB,
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "broadcast_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "poll" (
    "id" TEXT NOT NULL,
    "question" TEXT NOT NULL,
    "multi" BOOLEAN NOT NULL DEFAULT false,
    "anonymous" BOOLEAN NOT NULL DEFAULT false,
    "closesAt" TIMESTAMP(3),
    "status" TEXT NOT NULL DEFAULT 'open',
    "audience" JSONB,
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closedAt" TIMESTAMP(3),

    CONSTRAINT "poll_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "poll_option" (
    "pollId" TEXT NOT NULL,
    "idx" INTEGER NOT NULL,
    "text" TEXT NOT NULL,

    CONSTRAINT "poll_option_pkey" PRIMARY KEY ("pollId","idx")
);

-- CreateTable
CREATE TABLE "poll_post" (
    "id" TEXT NOT NULL,
    "pollId" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "messageId" TEXT,
    "nativePollId" TEXT,
    "rendering" TEXT NOT NULL,

    CONSTRAINT "poll_post_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vote" (
    "pollId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "optionIdx" INTEGER NOT NULL,
    "platform" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vote_pkey" PRIMARY KEY ("pollId","memberId","optionIdx")
);

-- CreateTable
CREATE TABLE "metric_event" (
    "id" BIGSERIAL NOT NULL,
    "type" TEXT NOT NULL,
    "platform" TEXT,
    "memberId" TEXT,
    "value" DOUBLE PRECISION,
    "data" JSONB,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "metric_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "identity_memberId_idx" ON "identity"("memberId");

-- CreateIndex
CREATE UNIQUE INDEX "identity_platform_platformUserId_key" ON "identity"("platform", "platformUserId");

-- CreateIndex
CREATE INDEX "processed_event_receivedAt_idx" ON "processed_event"("receivedAt");

-- CreateIndex
CREATE INDEX "subscription_topic_platform_idx" ON "subscription"("topic", "platform");

-- CreateIndex
CREATE INDEX "consent_event_memberId_idx" ON "consent_event"("memberId");

-- CreateIndex
CREATE INDEX "consent_event_at_idx" ON "consent_event"("at");

-- CreateIndex
CREATE UNIQUE INDEX "channel_name_key" ON "channel"("name");

-- CreateIndex
CREATE UNIQUE INDEX "channel_platform_chatId_threadId_key" ON "channel"("platform", "chatId", "threadId");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_dedupeKey_key" ON "outbox"("dedupeKey");

-- CreateIndex
CREATE INDEX "outbox_status_availableAt_idx" ON "outbox"("status", "availableAt");

-- CreateIndex
CREATE INDEX "outbox_broadcastId_status_idx" ON "outbox"("broadcastId", "status");

-- CreateIndex
CREATE INDEX "outbox_memberId_status_idx" ON "outbox"("memberId", "status");

-- CreateIndex
CREATE INDEX "handoff_memberId_status_idx" ON "handoff"("memberId", "status");

-- CreateIndex
CREATE INDEX "handoff_ownerThreadId_idx" ON "handoff"("ownerThreadId");

-- CreateIndex
CREATE INDEX "handoff_message_handoffId_idx" ON "handoff_message"("handoffId");

-- CreateIndex
CREATE UNIQUE INDEX "broadcast_scheduleId_occurrence_key" ON "broadcast"("scheduleId", "occurrence");

-- CreateIndex
CREATE INDEX "poll_post_pollId_idx" ON "poll_post"("pollId");

-- CreateIndex
CREATE UNIQUE INDEX "poll_post_platform_nativePollId_key" ON "poll_post"("platform", "nativePollId");

-- CreateIndex
CREATE INDEX "vote_pollId_idx" ON "vote"("pollId");

-- CreateIndex
CREATE INDEX "metric_event_type_at_idx" ON "metric_event"("type", "at");

-- AddForeignKey
ALTER TABLE "identity" ADD CONSTRAINT "identity_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "member"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "handoff_message" ADD CONSTRAINT "handoff_message_handoffId_fkey" FOREIGN KEY ("handoffId") REFERENCES "handoff"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "poll_option" ADD CONSTRAINT "poll_option_pollId_fkey" FOREIGN KEY ("pollId") REFERENCES "poll"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "poll_post" ADD CONSTRAINT "poll_post_pollId_fkey" FOREIGN KEY ("pollId") REFERENCES "poll"("id") ON DELETE CASCADE ON UPDATE CASCADE;
