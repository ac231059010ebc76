-- AlterTable
ALTER TABLE "member" ADD COLUMN     "personId" TEXT;

-- CreateTable
CREATE TABLE "link_code" (
    "code" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "link_code_pkey" PRIMARY KEY ("code")
);

-- CreateIndex
CREATE UNIQUE INDEX "link_code_memberId_key" ON "link_code"("memberId");

-- CreateIndex
CREATE INDEX "member_personId_idx" ON "member"("personId");
