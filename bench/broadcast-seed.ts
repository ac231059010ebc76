import { randomUUID } from 'node:crypto';
import type { Platform } from '../src/core/events.ts';
import type { Db } from '../src/db/database.ts';

export interface SeedOptions {
  count: number;
  topic: string;
  /** Recipients are spread over these platforms, round robin. */
  platforms: Platform[];
  /** The DM chat id of recipient `i` on `platform` (e.g. numeric for Telegram). */
  chatIdOf?: (i: number, platform: Platform) => string;
  batchSize?: number;
}

/** Creates `count` members, each with one identity and a subscription to `topic`, in batches. */
export async function seedSubscribers(db: Db, options: SeedOptions): Promise<void> {
  const batch = options.batchSize ?? 5000;
  const chatIdOf = options.chatIdOf ?? ((i: number) => String(1_000_000 + i));
  await db.topic.upsert({ where: { name: options.topic }, create: { name: options.topic }, update: {} });
  for (let start = 0; start < options.count; start += batch) {
    const rows = [];
    for (let i = start; i < Math.min(options.count, start + batch); i++) {
      const platform = options.platforms[i % options.platforms.length] as Platform;
      const chatId = chatIdOf(i, platform);
      rows.push({ memberId: randomUUID(), identityId: randomUUID(), platform, chatId });
    }
    await db.$transaction([
      db.member.createMany({ data: rows.map((r) => ({ id: r.memberId })) }),
      db.identity.createMany({
        data: rows.map((r) => ({
          id: r.identityId,
          memberId: r.memberId,
          platform: r.platform,
          platformUserId: r.chatId,
          dmChatId: r.chatId,
        })),
      }),
      db.subscription.createMany({
        data: rows.map((r) => ({
          memberId: r.memberId,
          topic: options.topic,
          platform: r.platform,
          identityId: r.identityId,
        })),
      }),
    ]);
  }
}
