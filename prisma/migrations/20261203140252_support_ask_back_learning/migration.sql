-- AlterTable
ALTER TABLE "handoff" ADD COLUMN     "candidateIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "reason" TEXT NOT NULL DEFAULT 'unsure',
ADD COLUMN     "urgent" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "ask_back" (
    "id" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "threadId" TEXT,
    "question" TEXT NOT NULL,
    "choices" TEXT[],
    "status" TEXT NOT NULL DEFAULT 'open',
    "pickedFaqId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closedAt" TIMESTAMP(3),

    CONSTRAINT "ask_back_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "faq_phrasing_candidate" (
    "id" TEXT NOT NULL,
    "faqId" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "confirmations" INTEGER NOT NULL DEFAULT 1,
    "status" TEXT NOT NULL DEFAULT 'waiting',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "faq_phrasing_candidate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "faq_word" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "words" TEXT[],
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "faq_word_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "support_setting" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "support_setting_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "ask_back_memberId_status_idx" ON "ask_back"("memberId", "status");

-- CreateIndex
CREATE INDEX "faq_phrasing_candidate_status_idx" ON "faq_phrasing_candidate"("status");

-- CreateIndex
CREATE UNIQUE INDEX "faq_phrasing_candidate_faqId_key_key" ON "faq_phrasing_candidate"("faqId", "key");
