import type { MemberRef } from '../core/context.ts';
import type { InboundEvent, Platform } from '../core/events.ts';
import type { Db } from '../db/database.ts';

/** Finds or creates the Member behind a platform identity. */
export class MemberDirectory {
  constructor(private readonly db: Db) {}

  /** Upserts the sender's identity (and its member); remembers the DM chat when the event is direct. */
  async identify(event: InboundEvent): Promise<MemberRef> {
    const { platform } = event.address;
    const { userId, name } = event.sender;
    const dmChatId = event.isDirect ? event.address.chatId : undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const existing = await this.db.identity.findUnique({
          where: { platform_platformUserId: { platform, platformUserId: userId } },
          select: { id: true, memberId: true, displayName: true, dmChatId: true, reachable: true },
        });
        if (existing) {
          const changed =
            (name && name !== existing.displayName) ||
            (dmChatId && dmChatId !== existing.dmChatId) ||
            !existing.reachable;
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
