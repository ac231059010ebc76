/** Platforms Hearth knows (`x` is X, formerly Twitter). `console` is the local, token-free console. */
export const PLATFORMS = ['telegram', 'discord', 'x', 'slack', 'console'] as const;
export type Platform = (typeof PLATFORMS)[number];

export function isPlatform(value: string): value is Platform {
  return (PLATFORMS as readonly string[]).includes(value);
}

/** Where a message lives: a chat on a platform, optionally a thread (forum topic, Slack thread). */
export interface ChatAddress {
  platform: Platform;
  chatId: string;
  threadId?: string;
}

export interface Sender {
  userId: string;
  name?: string;
  username?: string;
  isBot: boolean;
  /**
   * The platform says this sender administers the community chat the event came from (a Telegram
   * group admin, a Discord member with Manage Server). Lets them register the chat; nothing more.
   * `'unknown'`: the platform failed to answer the check just now (the sender is asked to retry).
   */
  isChatAdmin?: boolean | 'unknown';
  /**
   * One of the business's owners, as the adapter hosting the owners' room (Slack) established it.
   * The core trusts it only from that adapter (see Owners).
   */
  isOwner?: boolean;
}

/**
 * A short-lived way to answer one inbound event that any process can use (Slack's response_url, a
 * Discord interaction token). Opaque to the core: it travels with the outbox rows that answer the
 * event and goes back to the adapter, which uses it while it is valid and sends normally after.
 */
export interface ReplyHandle {
  /** Adapter-defined, serialisable. */
  value: string;
  /** ISO time after which the handle must not be used. */
  expiresAt: string;
}

interface EventBase {
  /** Platform-unique id, used to process a redelivered event once. */
  id: string;
  at: Date;
  address: ChatAddress;
  sender: Sender;
  /** Direct (1:1) conversation with the bot, as opposed to a group or channel. */
  isDirect: boolean;
  /** The platform payload, for debugging; features must not depend on it. */
  raw?: unknown;
  /** What the platform says about the chat, when it says it (community channels use it). */
  chat?: { title?: string; kind: 'direct' | 'group' | 'channel' };
  /** How to answer this event from any process, when the platform gives one. */
  replyHandle?: ReplyHandle;
}

export interface MessageEvent extends EventBase {
  kind: 'message';
  text: string;
  /** The bot was mentioned (in a group) or replied to. */
  mentionsBot?: boolean;
}

export interface CommandEvent extends EventBase {
  kind: 'command';
  /** Lower-case command name without the slash or @botname. */
  name: string;
  args: string;
  text: string;
}

export interface ActionEvent extends EventBase {
  kind: 'action';
  actionId: string;
  value?: string;
  /** The message the button was on, if known. */
  messageId?: string;
}

/**
 * How a member's answer to a native poll changed: the whole choice now (Telegram sends this; empty =
 * retracted), or one option added or removed (Discord sends one event per answer).
 */
export type VoteChoice = { set: number[] } | { add: number } | { remove: number };

/**
 * A native poll answer. Votes are state (poll, member, option), not facts: applying the same event
 * twice changes nothing, so vote events are not deduplicated by id (add → remove → add is three
 * changes, never a duplicate).
 */
export interface VoteEvent extends EventBase {
  kind: 'vote';
  /** The platform's poll id (native polls). */
  pollRef: string;
  choice: VoteChoice;
}

export interface MemberEvent extends EventBase {
  kind: 'member';
  /** `moved`: the chat itself has a new id (`movedTo`), e.g. a Telegram group upgraded to a supergroup. */
  change: 'joined' | 'left' | 'blocked' | 'unblocked' | 'moved';
  /** True when the change concerns the bot itself (bot added to or removed from a chat). */
  aboutBot?: boolean;
  /** With `moved`: the chat's new id on the same platform. */
  movedTo?: string;
}

export type InboundEvent = MessageEvent | CommandEvent | ActionEvent | VoteEvent | MemberEvent;
export type InboundKind = InboundEvent['kind'];

/** Splits "/cmd@bot args" into a command name and its arguments; null when not a command. */
export function parseCommand(text: string): { name: string; args: string } | null {
  const match = /^\/([A-Za-z0-9_]+)(?:@\S+)?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match?.[1]) return null;
  return { name: match[1].toLowerCase(), args: (match[2] ?? '').trim() };
}
