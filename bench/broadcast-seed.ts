import type { Platform } from '../src/core/events.ts';
import type { Db } from '../src/db/database.ts';

export interface SeedOptions {
  count: number;
  topic: string;
  /** Recipients are spread over these platforms, round robin. */
  platforms: Platform[];
  /** Recipient `i` has the DM chat (and platform user) id `chatIdBase + i`. */
  chatIdBase?: number;
}

/**
 * Creates `count` members, each with one identity (with a DM chat) and a subscription to `topic`,
 * generated inside the database (generate_series): fast, and no rows held in this process.
 * Member ids are md5-based UUIDs, so the fan-out's keyset order mixes the platforms.
 */
export async function seedSubscribers(db: Db, options: SeedOptions): Promise<void> {
  const base = options.chatIdBase ?? 10_000_000;
  const platforms = options.platforms;
  const tag = `${options.topic}:${base}`;
  await db.topic.upsert({ where: { name: options.topic }, create: { name: options.topic }, update: {} });
  await db.$transaction(
    [
      db.$executeRaw`
      INSERT INTO member (id)
      SELECT md5(${tag} || ':m:' || i)::uuid::text FROM generate_series(0, ${options.count - 1}::int) i`,
      db.$executeRaw`
      INSERT INTO identity (id, "memberId", platform, "platformUserId", "dmChatId")
      SELECT md5(${tag} || ':i:' || i)::uuid::text, md5(${tag} || ':m:' || i)::uuid::text,
        (${platforms}::text[])[1 + i % ${platforms.length}::int], (${base}::bigint + i)::text, (${base}::bigint + i)::text
      FROM generate_series(0, ${options.count - 1}::int) i`,
      db.$executeRaw`
      INSERT INTO subscription ("memberId", topic, platform, "identityId")
      SELECT md5(${tag} || ':m:' || i)::uuid::text, ${options.topic},
        (${platforms}::text[])[1 + i % ${platforms.length}::int], md5(${tag} || ':i:' || i)::uuid::text
      FROM generate_series(0, ${options.count - 1}::int) i`,
    ],
    // Three inserts of N rows: seconds on a slow machine, past Prisma's default 5 s.
    { timeout: 120_000 },
  );
}
