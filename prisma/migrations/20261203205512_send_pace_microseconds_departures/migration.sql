-- AlterTable
ALTER TABLE "outbox" ADD COLUMN     "departedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "send_pace" ALTER COLUMN "nextAt" SET DATA TYPE TIMESTAMPTZ(6);
