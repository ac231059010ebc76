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

const IDENTITY_FIELDS = {
  id: true,
  memberId: true,
  displayName: true,
  dmChatId: true,
  reachable: true,
  lastSeenAt: true,
} as const;

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
        const created = await this.db.identity.create({
          data: {
            platform,
            platformUserId: userId,
            displayName: name ?? null,
            dmChatId: dmChatId ?? null,
            member: { create: { displayName: name ?? null } },
          },
          select: { id: true, memberId: true },
        });
        return { memberId: created.memberId, identityId: created.id, isNew: true };
      } catch (error) {
        // Two events of a new user at once: the other insert won; read it on the next round.
        if (attempt === 0 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
  }

  private async findMany(keys: IdentityKey[]): Promise<(KnownIdentity | null)[]> {
    const found = await this.db.identity.findMany({
      where: { OR: keys.map((k) => ({ platform: k.platform, platformUserId: k.userId })) },
      select: { ...IDENTITY_FIELDS, platform: true, platformUserId: true },
    });
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
