import type { Platform } from '../../core/events.ts';
import type { OutboundContent } from '../../core/outbound.ts';
import type { Db, Tx } from '../../db/database.ts';

/** One outbox row of a broadcast. */
export interface BroadcastRowInput {
  platform: Platform;
  chatId: string;
  threadId?: string;
  content: OutboundContent;
  memberId?: string;
  dedupeKey: string;
  availableAt: Date;
}

/**
 * Inserts rows built in the process (a broadcast's channels) in one statement (arrays + unnest: a
 * handful of parameters whatever the count; about 8× faster than Prisma's createMany for 1,000 rows).
 * Rows whose dedupeKey exists are skipped. Returns how many were new.
 */
export async function insertBroadcastRows(
  tx: Tx | Db,
  broadcastId: string,
  rows: BroadcastRowInput[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const payloads = new Map<OutboundContent, string>();
  const json = (content: OutboundContent) => {
    let text = payloads.get(content);
    if (text === undefined) {
      text = JSON.stringify(content);
      payloads.set(content, text);
    }
    return text;
  };
  return tx.$executeRaw`
    INSERT INTO outbox (platform, "chatId", "threadId", payload, "memberId", "broadcastId", "dedupeKey", "availableAt")
    SELECT p, c, t, j, m, ${broadcastId}, k, a
    FROM unnest(
      ${rows.map((r) => r.platform)}::text[],
      ${rows.map((r) => r.chatId)}::text[],
      ${rows.map((r) => r.threadId ?? null)}::text[],
      ${rows.map((r) => json(r.content))}::jsonb[],
      ${rows.map((r) => r.memberId ?? null)}::text[],
      ${rows.map((r) => r.dedupeKey)}::text[],
      ${rows.map((r) => r.availableAt.toISOString())}::timestamp[]
    ) AS v(p, c, t, j, m, k, a)
    ON CONFLICT ("dedupeKey") DO NOTHING`;
}
