-- DropIndex
DROP INDEX "outbox_status_availableAt_idx";

-- CreateIndex
CREATE INDEX "outbox_status_availableAt_id_idx" ON "outbox"("status", "availableAt", "id");
