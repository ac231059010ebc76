/**
 * Telegram updates shaped like real Bot API payloads (fields as Telegram sends them), for the fake's
 * getUpdates queue, webhook posts and normalizer fixtures. Update ids are left to the fake unless given.
 */
import { createHash } from 'node:crypto';

export const BOT_ID = 7000001;
export const BOT_TOKEN = `${BOT_ID}:test-token-for-hearth`;
export const BOT_USERNAME = 'hearth_test_bot';

type Update = Record<string, unknown> & { update_id?: number };

/** A stable numeric Telegram id for a test user name (private chat id = user id). */
export function telegramUserId(name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  return 100_000 + (createHash('sha256').update(name).digest().readUInt32BE(0) % 900_000_000);
}

export function user(id: number, firstName = 'Ada', extra: Record<string, unknown> = {}) {
  return { id, is_bot: false, first_name: firstName, language_code: 'en', ...extra };
}

const privateChat = (id: number, firstName = 'Ada') => ({ id, first_name: firstName, type: 'private' });
export const groupChat = (id: number, title = 'Bakery friends') => ({ id, title, type: 'supergroup' });
export const channelChat = (id: number, title = 'Bakery news') => ({ id, title, type: 'channel' });

let messageIds = 1000;
const seconds = () => Math.floor(Date.now() / 1000);

/** `bot_command` entity when the text starts with a slash, as Telegram marks commands. */
function commandEntities(text: string) {
  if (!text.startsWith('/')) return {};
  const length = text.split(/\s/)[0]?.length ?? 1;
  return { entities: [{ offset: 0, length, type: 'bot_command' }] };
}

/** A text message in a private chat with the bot. */
export function privateText(userId: number, text: string, extra: Record<string, unknown> = {}): Update {
  return {
    ...extra,
    message: {
      message_id: ++messageIds,
      from: user(userId),
      chat: privateChat(userId),
      date: seconds(),
      text,
      ...commandEntities(text),
    },
  };
}

/** A text message in a group (supergroup), optionally in a forum topic. */
export function groupText(
  chatId: number,
  userId: number,
  text: string,
  options: { threadId?: number; extra?: Record<string, unknown> } = {},
): Update {
  return {
    message: {
      message_id: ++messageIds,
      from: user(userId),
      chat: groupChat(chatId),
      date: seconds(),
      text,
      ...commandEntities(text),
      ...(options.threadId ? { message_thread_id: options.threadId, is_topic_message: true } : {}),
      ...options.extra,
    },
  };
}

/** A post in a channel (no `from`; the channel is `sender_chat`). */
export function channelPost(chatId: number, text: string): Update {
  const chat = channelChat(chatId);
  return {
    channel_post: {
      message_id: ++messageIds,
      sender_chat: chat,
      chat,
      date: seconds(),
      text,
      ...commandEntities(text),
    },
  };
}

export function editedText(userId: number, text: string): Update {
  return {
    edited_message: {
      message_id: ++messageIds,
      from: user(userId),
      chat: privateChat(userId),
      date: seconds() - 10,
      edit_date: seconds(),
      text,
    },
  };
}

/** A button press on a message the bot sent in a private chat. */
export function callbackQuery(userId: number, data: string, messageId = 5): Update {
  return {
    callback_query: {
      id: `${userId}${messageId}0042`,
      from: user(userId),
      message: {
        message_id: messageId,
        from: { id: BOT_ID, is_bot: true, first_name: 'Hearth', username: BOT_USERNAME },
        chat: privateChat(userId),
        date: seconds(),
        text: 'Did this help?',
      },
      chat_instance: '-4455667788',
      data,
    },
  };
}

export function pollAnswer(userId: number, pollId: string, optionIds: number[]): Update {
  return { poll_answer: { poll_id: pollId, user: user(userId), option_ids: optionIds } };
}

/** The bot's own membership changing in a chat (blocked in a private chat, added to a group...). */
export function myChatMember(
  chat: Record<string, unknown>,
  fromUserId: number,
  before: string,
  after: string,
): Update {
  const bot = { id: BOT_ID, is_bot: true, first_name: 'Hearth', username: BOT_USERNAME };
  return {
    my_chat_member: {
      chat,
      from: user(fromUserId),
      date: seconds(),
      old_chat_member: { user: bot, status: before },
      new_chat_member: { user: bot, status: after },
    },
  };
}

export function blockedBy(userId: number): Update {
  return myChatMember(privateChat(userId), userId, 'member', 'kicked');
}
