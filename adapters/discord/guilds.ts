import type { MemberEvent } from '../../src/core/events.ts';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSnowflake = (v: unknown): v is string => typeof v === 'string' && /^\d{1,25}$/.test(v);

/**
 * The channels of each server the bot is in, from GUILD_CREATE and CHANNEL/THREAD_CREATE, so that
 * the bot being removed from a server (GUILD_DELETE without `unavailable`) can deactivate every
 * community channel registered there. A server going unavailable (an outage) changes nothing.
 */
export class GuildChannels {
  private readonly channels = new Map<string, Set<string>>();

  /** Follows one dispatch; returns "the bot left" events for a server it was removed from. */
  observe(t: string, d: unknown, now: Date): MemberEvent[] {
    if (!isRecord(d)) return [];
    if (t === 'GUILD_CREATE' && isSnowflake(d.id)) {
      const ids = new Set<string>();
      for (const list of [d.channels, d.threads])
        if (Array.isArray(list)) for (const c of list) if (isRecord(c) && isSnowflake(c.id)) ids.add(c.id);
      this.channels.set(d.id, ids);
      return [];
    }
    if ((t === 'CHANNEL_CREATE' || t === 'THREAD_CREATE') && isSnowflake(d.guild_id) && isSnowflake(d.id)) {
      const ids = this.channels.get(d.guild_id) ?? new Set<string>();
      ids.add(d.id);
      this.channels.set(d.guild_id, ids);
      return [];
    }
    if (t === 'GUILD_DELETE' && isSnowflake(d.id) && d.unavailable !== true) {
      const guildId = d.id;
      const ids = [...(this.channels.get(guildId) ?? [])];
      this.channels.delete(guildId);
      return ids.map((chatId) => ({
        kind: 'member',
        id: `removed:${guildId}:${chatId}:${now.getTime()}`,
        at: now,
        address: { platform: 'discord', chatId },
        sender: { userId: `guild:${guildId}`, name: 'Discord server', isBot: false },
        isDirect: false,
        chat: { kind: 'group' },
        change: 'left',
        aboutBot: true,
      }));
    }
    return [];
  }
}
