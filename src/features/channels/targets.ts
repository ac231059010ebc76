import { UserFacingError } from '../../core/errors.ts';
import type { Db, Tx } from '../../db/database.ts';

/** What an owner's targets (`news`, `#general`) name: topics and active community channels. */
export interface ResolvedTargets {
  /** Topic names as stored, each once, in the order given. */
  topics: string[];
  /** Channel row ids, each once, in the order given. */
  channelIds: string[];
  /** Targets that name no topic and no active channel, as typed. */
  unknown: string[];
  /** Every topic name, sorted. */
  knownTopics: string[];
  /** Every active channel as an owner types it (`#name`). */
  knownChannels: string[];
}

/**
 * Matches targets against Topic and active Channel rows, ignoring case: `#name` is a community
 * channel (by its name, or its chat id), anything else a topic.
 */
export async function resolveTargets(db: Tx | Db, targets: string[]): Promise<ResolvedTargets> {
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
  return {
    topics: [...topics],
    channelIds: [...channelIds],
    unknown,
    knownTopics: [...topicNames].sort(),
    knownChannels: channels.map((c) => `#${c.name ?? c.chatId.replace(/^#/, '')}`),
  };
}

/**
 * The refusal for unknown targets, listing the known ones: "I don't know x. Topics and channels: …"
 * (or "Channels and topics: …" with the channels first).
 */
export function unknownTargetsError(
  resolved: ResolvedTargets,
  order: 'topics first' | 'channels first',
): UserFacingError {
  const known =
    order === 'topics first'
      ? [...resolved.knownTopics, ...resolved.knownChannels]
      : [...resolved.knownChannels, ...resolved.knownTopics];
  const heading = order === 'topics first' ? 'Topics and channels' : 'Channels and topics';
  return new UserFacingError(
    `I don't know ${resolved.unknown.join(', ')}. ${heading}: ${known.join(', ') || 'none yet'}.`,
  );
}
