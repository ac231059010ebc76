import type { Capabilities } from '../../core/adapter.ts';
import { UserFacingError } from '../../core/errors.ts';
import { type ChatAddress, isPlatform } from '../../core/events.ts';
import type { Db, Tx } from '../../db/database.ts';
import { resolveTargets, unknownTargetsError } from '../channels/targets.ts';
import type { PollRecord, PostRendering } from './store.ts';

/** Where a poll goes: community channels and the subscribers of topics (by direct message). */
export interface PollAudience {
  channelIds: string[];
  topics: string[];
}

/** One chat a poll is posted to. */
export interface Recipient {
  address: ChatAddress;
  /** A direct chat with one member (a topic subscriber) rather than a community chat. */
  isDirect: boolean;
  /** A broadcast channel (only admins post): native polls there are anonymous, replies impossible. */
  isBroadcastChannel?: boolean;
  memberId?: string;
}

/**
 * Reads `--to` targets: `#name` is a community channel (by its name, or its chat id), anything else
 * a topic. No targets = every active community channel. Unknown names are refused with the list.
 */
export async function resolveAudience(db: Tx | Db, targets: string[]): Promise<PollAudience> {
  if (targets.length === 0) {
    const channels = await db.channel.findMany({ where: { active: true } });
    if (channels.length === 0) {
      throw new UserFacingError('There are no community channels yet: say where with --to <topic|#channel>.');
    }
    return { channelIds: channels.map((c) => c.id), topics: [] };
  }
  const resolved = await resolveTargets(db, targets);
  if (resolved.unknown.length > 0) throw unknownTargetsError(resolved, 'channels first');
  return { channelIds: resolved.channelIds, topics: resolved.topics };
}

const PAGE_SIZE = 1000;

/**
 * The audience's chats, page by page (a topic may have many subscribers): channels first, then each
 * reachable subscriber's direct chat on the platform they subscribed on. A chat appears once.
 */
export async function* recipientsOf(db: Tx | Db, audience: PollAudience): AsyncGenerator<Recipient[]> {
  const seen = new Set<string>();
  const fresh = (r: Recipient) => {
    const key = `${r.address.platform}:${r.address.chatId}:${r.address.threadId ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  if (audience.channelIds.length > 0) {
    const channels = await db.channel.findMany({ where: { id: { in: audience.channelIds }, active: true } });
    const page: Recipient[] = [];
    for (const channel of channels) {
      if (!isPlatform(channel.platform)) continue;
      const address: ChatAddress = { platform: channel.platform, chatId: channel.chatId };
      if (channel.threadId) address.threadId = channel.threadId;
      const recipient = { address, isDirect: false, isBroadcastChannel: channel.kind === 'channel' };
      if (fresh(recipient)) page.push(recipient);
    }
    if (page.length > 0) yield page;
  }
  if (audience.topics.length === 0) return;
  let cursor: { memberId: string; topic: string } | undefined;
  for (;;) {
    const subscriptions = await db.subscription.findMany({
      where: { topic: { in: audience.topics } },
      orderBy: [{ memberId: 'asc' }, { topic: 'asc' }],
      take: PAGE_SIZE,
      ...(cursor ? { cursor: { memberId_topic: cursor }, skip: 1 } : {}),
      select: { memberId: true, topic: true, identityId: true },
    });
    if (subscriptions.length === 0) return;
    const last = subscriptions.at(-1);
    cursor = last ? { memberId: last.memberId, topic: last.topic } : undefined;
    const identities = await db.identity.findMany({
      where: { id: { in: subscriptions.map((s) => s.identityId) }, reachable: true, dmChatId: { not: null } },
      select: { memberId: true, platform: true, dmChatId: true },
    });
    const page: Recipient[] = [];
    for (const identity of identities) {
      if (!identity.dmChatId || !isPlatform(identity.platform)) continue;
      const recipient = {
        address: { platform: identity.platform, chatId: identity.dmChatId },
        isDirect: true,
        memberId: identity.memberId,
      };
      if (fresh(recipient)) page.push(recipient);
    }
    if (page.length > 0) yield page;
    if (subscriptions.length < PAGE_SIZE) return;
  }
}

/**
 * How a poll is shown in one chat, by capability (never by platform name):
 * - a native poll where the platform has one and it reports each member's answer. A native poll shows
 *   voters to other members, so an `--anonymous` poll is not sent natively; and where the platform
 *   only allows anonymous native polls in community chats (`nativePollsAnonymousInGroups`), no
 *   per-member answers arrive there, so such chats get buttons instead;
 * - buttons where the platform has them (a press is seen only by Hearth);
 *   A broadcast channel (Channel.kind 'channel', e.g. a Telegram channel) takes only anonymous
 *   native polls, so it gets buttons too;
 * - numbered text otherwise ("reply 1, 2 or 3"); also when no adapter serves the platform now.
 */
export function renderingFor(
  capabilities: Capabilities | undefined,
  poll: Pick<PollRecord, 'anonymous'>,
  chat: Pick<Recipient, 'isDirect' | 'isBroadcastChannel'>,
): PostRendering {
  if (!capabilities) return 'numbered';
  const anonymousOnly =
    chat.isBroadcastChannel === true ||
    (capabilities.nativePollsAnonymousInGroups === true && !chat.isDirect);
  const nativeCounts = capabilities.nativePolls && !anonymousOnly;
  if (nativeCounts && !poll.anonymous) return 'native';
  if (capabilities.buttons) return 'buttons';
  return 'numbered';
}
