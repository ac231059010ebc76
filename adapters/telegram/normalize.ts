import type { ChatAddress, InboundEvent, Sender } from '../../src/core/events.ts';
import { parseCommand } from '../../src/core/events.ts';
import type { CallbackCodec } from './render.ts';

/** Who the bot is (from getMe): its own messages and commands for other bots are told apart by it. */
export interface BotIdentity {
  id: number;
  username: string;
}

/** An update as InboundEvent, or why it was left alone (logged at debug). */
export type Normalized =
  | {
      event: InboundEvent;
      /** Ask the platform whether this user administers the chat (group commands). */
      adminCheck?: { chatId: number; userId: number };
      /** A button press: answer it (with `answerText` when the button is no longer known). */
      callbackQueryId?: string;
      answerText?: string;
    }
  | { ignored: string; callbackQueryId?: string; answerText?: string };

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** Telegram's account that stands for anonymous group admins ("GroupAnonymousBot"). */
const ANONYMOUS_ADMIN_ID = 1087968824;
const IN_CHAT = new Set(['member', 'administrator', 'creator']);

/**
 * Turns one Telegram update into an InboundEvent. Decisions:
 * - ids are `<bot id>:<update_id>`, so a redelivered update is recognised by the core's dedupe;
 * - edited messages and edited channel posts are ignored: the original was already answered, and
 *   re-running an edited command would act twice;
 * - commands addressed to another bot (`/cmd@otherbot`) are ignored; `/cmd` and `/cmd@us` are ours;
 * - messages from bots (including ourselves) are ignored; an anonymous group admin speaks as the
 *   group and counts as its admin; a channel post speaks as the channel and counts as its admin;
 * - `my_chat_member` in a private chat is the user blocking/unblocking the bot; in a group or
 *   channel it is the bot being added or removed (aboutBot);
 * - poll answers become votes (no option = retracted); anything else is ignored.
 */
export function normalizeUpdate(update: unknown, me: BotIdentity, codec: CallbackCodec): Normalized {
  if (!isRecord(update) || !isInt(update.update_id)) return { ignored: 'malformed update (no update_id)' };
  const id = `${me.id}:${update.update_id}`;
  try {
    if (update.message !== undefined) return fromMessage(id, update.message, me, false);
    if (update.channel_post !== undefined) return fromMessage(id, update.channel_post, me, true);
    if (update.edited_message !== undefined || update.edited_channel_post !== undefined) {
      return { ignored: 'edited message (the original was already handled)' };
    }
    if (update.callback_query !== undefined) return fromCallback(id, update.callback_query, codec);
    if (update.poll_answer !== undefined) return fromPollAnswer(id, update.poll_answer);
    if (update.my_chat_member !== undefined) return fromMyChatMember(id, update.my_chat_member, me);
  } catch (error) {
    return { ignored: `malformed update (${error instanceof Error ? error.message : String(error)})` };
  }
  const kinds = Object.keys(update).filter((k) => k !== 'update_id');
  return { ignored: `unsupported update type ${kinds.join(',') || '(none)'}` };
}

function chatOf(value: unknown): { id: number; type: string; title?: string; name?: string } {
  if (!isRecord(value) || !isInt(value.id) || typeof value.type !== 'string') throw new Error('no chat');
  const name = [value.first_name, value.last_name].filter((p) => typeof p === 'string').join(' ');
  return {
    id: value.id,
    type: value.type,
    ...(typeof value.title === 'string' ? { title: value.title } : {}),
    ...(name ? { name } : {}),
  };
}

function userOf(value: unknown): Sender & { id: number } {
  if (!isRecord(value) || !isInt(value.id)) throw new Error('no user');
  const name = [value.first_name, value.last_name].filter((p) => typeof p === 'string').join(' ');
  return {
    id: value.id,
    userId: String(value.id),
    ...(name ? { name } : {}),
    ...(typeof value.username === 'string' ? { username: value.username } : {}),
    isBot: value.is_bot === true,
  };
}

function chatKind(type: string): 'direct' | 'group' | 'channel' {
  return type === 'private' ? 'direct' : type === 'channel' ? 'channel' : 'group';
}

function chatInfo(chat: ReturnType<typeof chatOf>): InboundEvent['chat'] {
  return { kind: chatKind(chat.type), ...(chat.title ? { title: chat.title } : {}) };
}

function addressOf(chat: { id: number }, message: Json): ChatAddress {
  const thread = message.is_topic_message === true && isInt(message.message_thread_id);
  return {
    platform: 'telegram',
    chatId: String(chat.id),
    ...(thread ? { threadId: String(message.message_thread_id) } : {}),
  };
}

function atOf(date: unknown): Date {
  const at = isInt(date) && date > 0 ? new Date(date * 1000) : undefined;
  return at && !Number.isNaN(at.getTime()) ? at : new Date();
}

function fromMessage(id: string, value: unknown, me: BotIdentity, isChannelPost: boolean): Normalized {
  if (!isRecord(value)) throw new Error('message is not an object');
  const chat = chatOf(value.chat);
  const senderChat = isRecord(value.sender_chat) ? chatOf(value.sender_chat) : undefined;
  let sender: Sender;
  let adminKnown = false;
  if (isChannelPost || (senderChat && senderChat.id === chat.id)) {
    // A channel post, or an anonymous admin writing as the group: the chat itself speaks, as admin.
    sender = { userId: String(chat.id), name: chat.title ?? 'channel', isBot: false, isChatAdmin: true };
    adminKnown = true;
  } else if (senderChat) {
    if (value.is_automatic_forward === true) return { ignored: 'automatic forward from a linked channel' };
    sender = { userId: String(senderChat.id), name: senderChat.title ?? 'channel', isBot: false };
  } else {
    const user = userOf(value.from);
    if (user.id === me.id) return { ignored: 'our own message' };
    if (user.isBot && user.id !== ANONYMOUS_ADMIN_ID) return { ignored: 'message from another bot' };
    const { id: _, ...rest } = user;
    sender = rest;
  }
  const movedTo = value.migrate_to_chat_id;
  if (isInt(movedTo)) {
    // The group became a supergroup with a new id: what was registered here moves there.
    const address = addressOf(chat, value);
    const event = { id, at: atOf(value.date), address, sender, isDirect: false };
    return { event: { ...event, kind: 'member', change: 'moved', aboutBot: true, movedTo: String(movedTo) } };
  }
  const text =
    typeof value.text === 'string' ? value.text : typeof value.caption === 'string' ? value.caption : '';
  const isDirect = chat.type === 'private';
  if (!text && !isDirect) return { ignored: 'group or channel message without text' };
  const base = {
    id,
    at: atOf(value.date),
    address: addressOf(chat, value),
    sender,
    isDirect,
    chat: chatInfo(chat),
    raw: value,
  };
  // A photo's caption carries its commands and mentions in caption_entities.
  const rawEntities = typeof value.text === 'string' ? value.entities : value.caption_entities;
  const entities = Array.isArray(rawEntities) ? rawEntities.filter(isRecord) : [];
  const commandEntity = entities.find((e) => e.type === 'bot_command' && e.offset === 0);
  if (commandEntity && isInt(commandEntity.length)) {
    const word = text.slice(0, commandEntity.length);
    const at = word.indexOf('@');
    if (at >= 0 && word.slice(at + 1).toLowerCase() !== me.username.toLowerCase()) {
      return { ignored: `command for another bot (${word})` };
    }
    const parsed = parseCommand(text);
    if (parsed) {
      const event: InboundEvent = { ...base, kind: 'command', name: parsed.name, args: parsed.args, text };
      const user = isRecord(value.from) && isInt(value.from.id) ? value.from.id : undefined;
      const needsCheck = !isDirect && !adminKnown && !senderChat && user !== undefined;
      return needsCheck && user !== undefined
        ? { event, adminCheck: { chatId: chat.id, userId: user } }
        : { event };
    }
  }
  const mention = `@${me.username.toLowerCase()}`;
  const mentioned = entities.some(
    (e) =>
      e.type === 'mention' &&
      isInt(e.offset) &&
      isInt(e.length) &&
      text.slice(e.offset, e.offset + e.length).toLowerCase() === mention,
  );
  const reply = isRecord(value.reply_to_message) ? value.reply_to_message : undefined;
  const repliedToUs = isRecord(reply?.from) && reply.from.id === me.id;
  return { event: { ...base, kind: 'message', text, mentionsBot: isDirect || mentioned || repliedToUs } };
}

function fromCallback(id: string, value: unknown, codec: CallbackCodec): Normalized {
  if (!isRecord(value) || typeof value.id !== 'string') throw new Error('callback_query without id');
  const callbackQueryId = value.id;
  const user = userOf(value.from);
  if (typeof value.data !== 'string') return { ignored: 'callback without data', callbackQueryId };
  const action = codec.decode(value.data);
  if (!action?.actionId) {
    return { ignored: 'button no longer known', callbackQueryId, answerText: 'This button has expired.' };
  }
  const message = isRecord(value.message) ? value.message : undefined;
  const chat = message ? chatOf(message.chat) : { id: user.id, type: 'private' };
  const { id: _, ...sender } = user;
  const event: InboundEvent = {
    kind: 'action',
    id,
    at: new Date(),
    address: message ? addressOf(chat, message) : { platform: 'telegram', chatId: String(user.id) },
    sender,
    isDirect: chat.type === 'private',
    chat: chatInfo(chat),
    actionId: action.actionId,
    ...(action.value === undefined ? {} : { value: action.value }),
    ...(message && isInt(message.message_id) ? { messageId: String(message.message_id) } : {}),
    raw: value,
  };
  return { event, callbackQueryId };
}

function fromPollAnswer(id: string, value: unknown): Normalized {
  if (!isRecord(value) || typeof value.poll_id !== 'string' || value.poll_id === '') {
    throw new Error('poll_answer without poll_id');
  }
  const optionIds = Array.isArray(value.option_ids)
    ? value.option_ids.filter((n): n is number => isInt(n) && n >= 0)
    : [];
  let sender: Sender;
  if (isRecord(value.voter_chat)) {
    const chat = chatOf(value.voter_chat);
    sender = { userId: String(chat.id), name: chat.title ?? 'chat', isBot: false };
  } else {
    const { id: _, ...user } = userOf(value.user);
    if (user.isBot) return { ignored: 'poll answer from a bot' };
    sender = user;
  }
  return {
    event: {
      kind: 'vote',
      id,
      at: new Date(),
      // Poll answers carry no chat: address the voter (their private chat id equals their user id).
      address: { platform: 'telegram', chatId: sender.userId },
      sender,
      isDirect: false,
      pollRef: value.poll_id,
      choice: { set: optionIds },
      raw: value,
    },
  };
}

function fromMyChatMember(id: string, value: unknown, me: BotIdentity): Normalized {
  if (!isRecord(value) || !isRecord(value.old_chat_member) || !isRecord(value.new_chat_member)) {
    throw new Error('my_chat_member without statuses');
  }
  const chat = chatOf(value.chat);
  const { id: userId, ...sender } = userOf(value.from);
  if (userId === me.id) return { ignored: 'our own membership change' };
  const before = String(value.old_chat_member.status);
  const after = String(value.new_chat_member.status);
  const base = {
    kind: 'member' as const,
    id,
    at: atOf(value.date),
    address: { platform: 'telegram' as const, chatId: String(chat.id) },
    sender,
    isDirect: chat.type === 'private',
    chat: chatInfo(chat),
    raw: value,
  };
  if (chat.type === 'private') {
    if (after === 'kicked') return { event: { ...base, change: 'blocked' } };
    if (before === 'kicked') return { event: { ...base, change: 'unblocked' } };
    return { ignored: `private chat status ${before} → ${after}` };
  }
  const wasIn = IN_CHAT.has(before) || (before === 'restricted' && value.old_chat_member.is_member === true);
  const isIn = IN_CHAT.has(after) || (after === 'restricted' && value.new_chat_member.is_member === true);
  if (!wasIn && isIn) return { event: { ...base, change: 'joined', aboutBot: true } };
  if (wasIn && !isIn) return { event: { ...base, change: 'left', aboutBot: true } };
  return { ignored: `bot status ${before} → ${after} in ${chat.type}` };
}
