import { randomUUID } from 'node:crypto';
import { Prisma } from '../../prisma/generated/client.ts';
import { Batcher } from '../core/batcher.ts';
import type { MemberRef } from '../core/context.ts';
import type { InboundEvent, Platform } from '../core/events.ts';
import type { Db } from '../db/database.ts';

/** How stale lastSeenAt may get before a message refreshes it (saves a write per message). */
const LAST_SEEN_REFRESH_MS = 5 * 60_000;

interface IdentityKey {
  platform: Platform;
  userId: string;
}

interface NewIdentity extends IdentityKey {
  name: string | null;
  dmChatId: string | null;
}

type KnownIdentity = {
  id: string;
  memberId: string;
  displayName: string | null;
  dmChatId: string | null;
  reachable: boolean;
  lastSeenAt: Date;
};

/** Finds or creates the Member behind a platform identity. */
export class MemberDirectory {
  /** Concurrent events' senders are looked up with one query per tick. */
  private readonly lookups = new Batcher<IdentityKey, KnownIdentity | null>((keys) => this.findMany(keys));
  /** New senders at the same time are created with one statement per tick. */
  private readonly creates = new Batcher<NewIdentity, { memberId: string; identityId: string } | null>(
    (news) => this.createMany(news),
  );

  constructor(private readonly db: Db) {}

  /** Upserts the sender's identity (and its member); remembers the DM chat when the event is direct. */
  async identify(event: InboundEvent): Promise<MemberRef> {
    const { platform } = event.address;
    const { userId, name } = event.sender;
    const dmChatId = event.isDirect ? event.address.chatId : undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const existing = await this.lookups.add({ platform, userId });
        if (existing) {
          const changed =
            (name && name !== existing.displayName) ||
            (dmChatId && dmChatId !== existing.dmChatId) ||
            !existing.reachable ||
            Date.now() - existing.lastSeenAt.getTime() > LAST_SEEN_REFRESH_MS;
          if (changed) {
            await this.db.identity.update({
              where: { id: existing.id },
              data: {
                displayName: name ?? existing.displayName,
                dmChatId: dmChatId ?? existing.dmChatId,
                reachable: true,
                lastSeenAt: new Date(),
              },
            });
          }
          return { memberId: existing.memberId, identityId: existing.id, isNew: false };
        }
        const created = await this.creates.add({
          platform,
          userId,
          name: name ?? null,
          dmChatId: dmChatId ?? null,
        });
        if (created) return { ...created, isNew: true };
        // Another event (or instance) created this identity first: read it on the next round.
        if (attempt === 0) continue;
        throw new Error(`identity ${platform}:${userId} was neither found nor created`);
      } catch (error) {
        // Two events of a new user at once: the other insert won; read it on the next round.
        if (attempt === 0 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
  }

  /**
   * Creates members and their identities in one statement (a batch of first messages). A key that
   * already exists (a concurrent creator won) gets null, and its extra member row is removed.
   */
  private async createMany(
    news: NewIdentity[],
  ): Promise<({ memberId: string; identityId: string } | null)[]> {
    const keyOf = (k: IdentityKey) => `${k.platform}\u0000${k.userId}`;
    const unique = [
      ...new Map(
        news.map((n) => [keyOf(n), { ...n, memberId: randomUUID(), identityId: randomUUID() }]),
      ).values(),
    ];
    const values = unique.map(
      (n) =>
        Prisma.sql`(${n.memberId}::text, ${n.identityId}::text, ${n.platform}::text, ${n.userId}::text, ${n.name}::text, ${n.dmChatId}::text)`,
    );
    const inserted = await this.db.$queryRaw<{ id: string; memberId: string }[]>`
      WITH v (member_id, identity_id, platform, user_id, name, dm_chat_id) AS (VALUES ${Prisma.join(values)}),
      members AS (INSERT INTO member (id, "displayName") SELECT member_id, name FROM v RETURNING id)
      INSERT INTO identity (id, "memberId", platform, "platformUserId", "displayName", "dmChatId")
      SELECT identity_id, member_id, platform, user_id, name, dm_chat_id FROM v
      WHERE member_id IN (SELECT id FROM members)
      ON CONFLICT (platform, "platformUserId") DO NOTHING
      RETURNING id, "memberId"`;
    const won = new Set(inserted.map((row) => row.memberId));
    const lost = unique.filter((n) => !won.has(n.memberId)).map((n) => n.memberId);
    if (lost.length > 0) await this.db.member.deleteMany({ where: { id: { in: lost } } });
    const byKey = new Map(unique.filter((n) => won.has(n.memberId)).map((n) => [keyOf(n), n]));
    // The same sender twice in one batch: the first gets the new identity, the second reads it.
    return news.map((n) => {
      const made = byKey.get(keyOf(n));
      byKey.delete(keyOf(n));
      return made ? { memberId: made.memberId, identityId: made.identityId } : null;
    });
  }

  /**
   * One batch of lookups: per platform, the user ids as one array, so the statement has the same
   * shape whatever the batch size and always probes the (platform, platformUserId) index. (A join
   * against a VALUES list let the planner hash-join a seq scan of every identity; Prisma's
   * `findMany` would compile an OR of every key into a new plan each call.)
   */
  private async findMany(keys: IdentityKey[]): Promise<(KnownIdentity | null)[]> {
    const byPlatform = new Map<Platform, string[]>();
    for (const k of keys) {
      const userIds = byPlatform.get(k.platform) ?? [];
      userIds.push(k.userId);
      byPlatform.set(k.platform, userIds);
    }
    const matches = [...byPlatform].map(
      ([platform, userIds]) =>
        Prisma.sql`(i.platform = ${platform} AND i."platformUserId" = ANY(${userIds}::text[]))`,
    );
    const found = await this.db.$queryRaw<(KnownIdentity & { platform: string; platformUserId: string })[]>`
      SELECT i.id, i."memberId", i."displayName", i."dmChatId", i.reachable, i."lastSeenAt",
        i.platform, i."platformUserId"
      FROM identity AS i WHERE ${Prisma.join(matches, ' OR ')}`;
    const byKey = new Map(found.map((row) => [`${row.platform}\u0000${row.platformUserId}`, row]));
    return keys.map((k) => byKey.get(`${k.platform}\u0000${k.userId}`) ?? null);
  }

  /** Looks an identity up without creating it. */
  findIdentity(platform: Platform, platformUserId: string) {
    return this.db.identity.findUnique({ where: { platform_platformUserId: { platform, platformUserId } } });
  }

  /** Marks an identity unreachable (blocked the bot, deactivated). */
  async markUnreachable(
    platform: Platform,
    dmChatId: string,
  ): Promise<{ memberId: string; identityId: string }[]> {
    const identities = await this.db.identity.findMany({
      where: { platform, dmChatId },
      select: { id: true, memberId: true },
    });
    if (identities.length > 0) {
      await this.db.identity.updateMany({
        where: { id: { in: identities.map((i) => i.id) } },
        data: { reachable: false },
      });
    }
    return identities.map((i) => ({ memberId: i.memberId, identityId: i.id }));
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}
