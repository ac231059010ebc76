import { UserFacingError } from '../../core/errors.ts';
import type { ChatAddress, Platform } from '../../core/events.ts';
import type { Db } from '../../db/database.ts';
import { isUniqueViolation } from '../../members/directory.ts';

export interface ChannelRow {
  id: string;
  platform: string;
  chatId: string;
  threadId: string;
  title: string | null;
  kind: string;
  name: string | null;
  active: boolean;
  registeredBy: string | null;
  createdAt: Date;
}

export interface RegisterRequest {
  address: ChatAddress;
  /** Wanted name; when empty, one is made from the title or the chat id. */
  name: string;
  title?: string;
  kind: 'group' | 'channel';
  /** Who registered it (member id). */
  registeredBy: string;
}

/** Channel names are what owners type after `#`: lower case letters, digits, `-` and `_`. */
export function channelName(wanted: string): string {
  return wanted
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/^#/, '')
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}

/** Community channels: group chats and broadcast channels where broadcasts and polls can go. */
export class ChannelService {
  constructor(private readonly db: Db) {}

  /** Registers (or re-activates, or renames) the chat; refuses a name another chat already has. */
  async register(request: RegisterRequest): Promise<{ channel: ChannelRow; created: boolean }> {
    const { address, title, kind, registeredBy } = request;
    const threadId = address.threadId ?? '';
    const fallback = `${address.platform}-${address.chatId.replace(/^[-#]/, '')}`;
    const name = channelName(request.name) || channelName(title ?? '') || channelName(fallback);
    const where = {
      platform_chatId_threadId: { platform: address.platform, chatId: address.chatId, threadId },
    };
    const taken = await this.db.channel.findUnique({ where: { name } });
    if (
      taken &&
      (taken.platform !== address.platform || taken.chatId !== address.chatId || taken.threadId !== threadId)
    ) {
      throw new UserFacingError(
        `The name "${name}" is taken by another channel. Try /register <another-name>.`,
      );
    }
    const existing = await this.db.channel.findUnique({ where });
    try {
      const channel = await this.db.channel.upsert({
        where,
        create: {
          platform: address.platform,
          chatId: address.chatId,
          threadId,
          title: title ?? null,
          kind,
          name,
          registeredBy,
        },
        update: { title: title ?? existing?.title ?? null, kind, name, active: true, registeredBy },
      });
      return { channel, created: !existing };
    } catch (error) {
      if (isUniqueViolation(error))
        throw new UserFacingError(`The name "${name}" is taken by another channel.`);
      throw error;
    }
  }

  /** Stops using the chat (thread) as a community channel; false when it was not registered. */
  async unregister(address: ChatAddress): Promise<boolean> {
    const result = await this.db.channel.updateMany({
      where: {
        platform: address.platform,
        chatId: address.chatId,
        threadId: address.threadId ?? '',
        active: true,
      },
      data: { active: false },
    });
    return result.count > 0;
  }

  /** Marks every registration of a chat inactive (the bot was removed or can no longer post there). */
  async deactivateChat(platform: Platform, chatId: string): Promise<number> {
    const result = await this.db.channel.updateMany({
      where: { platform, chatId, active: true },
      data: { active: false },
    });
    return result.count;
  }

  /**
   * The chat has a new id (a Telegram group upgraded to a supergroup): its registrations move with
   * it, unless the new id is registered already (then the old ones are only deactivated).
   */
  async moveChat(platform: Platform, from: string, to: string): Promise<number> {
    return this.db.$transaction(async (tx) => {
      const taken = await tx.channel.count({ where: { platform, chatId: to } });
      const result =
        taken > 0
          ? await tx.channel.updateMany({
              where: { platform, chatId: from, active: true },
              data: { active: false },
            })
          : await tx.channel.updateMany({ where: { platform, chatId: from }, data: { chatId: to } });
      return result.count;
    });
  }

  /** The chat's active registrations (any of its threads). */
  async activeIn(platform: Platform, chatId: string): Promise<ChannelRow[]> {
    return this.db.channel.findMany({ where: { platform, chatId, active: true }, orderBy: { name: 'asc' } });
  }

  async list(): Promise<ChannelRow[]> {
    return this.db.channel.findMany({ orderBy: [{ active: 'desc' }, { name: 'asc' }] });
  }
}
