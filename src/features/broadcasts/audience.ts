import { UserFacingError } from '../../core/errors.ts';
import type { Db } from '../../db/database.ts';

/** Who a broadcast goes to: subscribers of topics (by direct message) and community channels. */
export interface Audience {
  topics: string[];
  channelIds: string[];
  /** How the owner named it, e.g. `news,#general`. */
  label: string;
}

/**
 * Reads an audience token: comma-separated targets, `#name` a community channel (by name or chat
 * id), anything else a topic. Unknown names are refused with the list of known ones.
 */
export async function resolveAudience(db: Db, token: string): Promise<Audience> {
  const targets = token
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (targets.length === 0) throw new UserFacingError('Say who gets it: a topic or a #channel.');
  const channels = await db.channel.findMany({ where: { active: true } });
  const topicNames = (await db.topic.findMany({ select: { name: true } })).map((t) => t.name);
  const topics = new Set<string>();
  const channelIds = new Set<string>();
  const unknown: string[] = [];
  for (const target of targets) {
    if (target.startsWith('#')) {
      const bare = target.slice(1).toLowerCase();
      const match = channels.find(
        (c) =>
          c.name?.toLowerCase() === bare ||
          c.chatId.toLowerCase() === target.toLowerCase() ||
          c.chatId.toLowerCase() === bare,
      );
      if (match) channelIds.add(match.id);
      else unknown.push(target);
      continue;
    }
    const topic = topicNames.find((name) => name.toLowerCase() === target.toLowerCase());
    if (topic) topics.add(topic);
    else unknown.push(target);
  }
  if (unknown.length > 0) {
    const known = [...topicNames.sort(), ...channels.map((c) => `#${c.name ?? c.chatId.replace(/^#/, '')}`)];
    throw new UserFacingError(
      `I don't know ${unknown.join(', ')}. Topics and channels: ${known.join(', ') || 'none yet'}.`,
    );
  }
  return { topics: [...topics], channelIds: [...channelIds], label: targets.join(',') };
}

/** Reads an Audience back from JSON (a Broadcast or Schedule row); tolerant of missing fields. */
export function audienceFromJson(value: unknown): Audience {
  const v = (value ?? {}) as Partial<Record<keyof Audience, unknown>>;
  const strings = (x: unknown) =>
    Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
  return {
    topics: strings(v.topics),
    channelIds: strings(v.channelIds),
    label: typeof v.label === 'string' ? v.label : '',
  };
}
