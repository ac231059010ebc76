/** Platforms Hearth knows. `console` is the local, token-free console. */
export const PLATFORMS = ['telegram', 'discord', 'twitter', 'slack', 'console'] as const;
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
  /** True when the platform says this sender administers the chat (group admin, Slack owner). */
  isAdmin?: boolean;
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

export interface VoteEvent extends EventBase {
  kind: 'vote';
  /** The platform's poll id (native polls). */
  pollRef: string;
  /** Chosen option indexes; empty means the vote was retracted. */
  optionIds: number[];
}

export interface MemberEvent extends EventBase {
  kind: 'member';
  change: 'joined' | 'left' | 'blocked' | 'unblocked';
  /** True when the change concerns the bot itself (bot added to or removed from a chat). */
  aboutBot?: boolean;
}

export type InboundEvent = MessageEvent | CommandEvent | ActionEvent | VoteEvent | MemberEvent;
export type InboundKind = InboundEvent['kind'];

/** Splits "/cmd@bot args" into a command name and its arguments; null when not a command. */
export function parseCommand(text: string): { name: string; args: string } | null {
  const match = /^\/([A-Za-z0-9_]+)(?:@\S+)?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match?.[1]) return null;
  return { name: match[1].toLowerCase(), args: (match[2] ?? '').trim() };
}
