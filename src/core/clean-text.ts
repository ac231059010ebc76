/**
 * Inbound text, cleaned once where every platform's events enter the core (Bot.dispatch), so no
 * adapter has to remember it: PostgreSQL cannot store NUL (U+0000) in text, lone UTF-16 surrogates
 * are not text at all, and text of any length must not cost a database error. Texts are cut with a
 * visible mark; ids (keys in unique indexes) keep their uniqueness when cut.
 */
import { createHash } from 'node:crypto';
import type { ChatAddress, InboundEvent, Sender, VoteChoice } from './events.ts';

/** Longest kept, in UTF-16 code units. */
export const INBOUND_LIMITS = {
  /** Message text, command arguments, button values: well above every platform's own limit. */
  text: 20_000,
  /** Display names, usernames, chat titles. */
  name: 256,
  /** Ids: event, chat, thread, user, message, poll and action ids (unique keys; B-tree entries). */
  id: 256,
} as const;

/** Shown where text was cut. */
export const CUT_MARK = '… [cut]';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Drops NUL, replaces lone surrogates with U+FFFD; anything not a string becomes ''. */
function wellFormed(value: unknown): string {
  if (typeof value !== 'string') return '';
  return value.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\uFFFD');
}

/** Cuts at `max` without splitting a surrogate pair. */
function cut(text: string, max: number): string {
  let end = max;
  if (/[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end -= 1;
  return text.slice(0, end);
}

/** Text for storage and features: well-formed, no NUL, at most `max` characters (cut with CUT_MARK). */
export function cleanText(value: unknown, max: number = INBOUND_LIMITS.text): string {
  const text = wellFormed(value);
  return text.length <= max ? text : `${cut(text, max - CUT_MARK.length)}${CUT_MARK}`;
}

/**
 * An id for storage: well-formed, NUL replaced (not dropped: `a\0b` and `ab` stay two ids), and an
 * over-long id cut and suffixed with a hash of the whole, so two long ids never become one.
 */
export function cleanId(value: unknown): string {
  const raw = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  const id = raw.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
  if (id.length <= INBOUND_LIMITS.id) return id;
  const digest = createHash('sha256').update(raw, 'utf8').digest('hex').slice(0, 32);
  return `${cut(id, INBOUND_LIMITS.id - digest.length - 1)}#${digest}`;
}

function cleanSender(sender: Sender): Sender {
  const { name, username, ...rest } = sender;
  const cleanName = cleanText(name, INBOUND_LIMITS.name);
  const cleanUsername = cleanText(username, INBOUND_LIMITS.name);
  return {
    ...rest,
    userId: cleanId(sender.userId),
    ...(cleanName ? { name: cleanName } : {}),
    ...(cleanUsername ? { username: cleanUsername } : {}),
  };
}

function cleanAddress(address: ChatAddress): ChatAddress {
  return {
    platform: address.platform,
    chatId: cleanId(address.chatId),
    ...(address.threadId === undefined ? {} : { threadId: cleanId(address.threadId) }),
  };
}

/** A whole choice keeps only whole option indexes from 0 (adding or removing one is left as it is). */
function cleanChoice(choice: VoteChoice): VoteChoice {
  if (!('set' in choice)) return choice;
  const set = Array.isArray(choice.set) ? choice.set : [];
  return { set: set.filter((n) => Number.isSafeInteger(n) && n >= 0) };
}

/** The event with every text and id cleaned; the same shape otherwise. */
export function cleanEvent(event: InboundEvent): InboundEvent {
  const { chat } = event;
  const base = {
    id: cleanId(event.id),
    address: cleanAddress(event.address),
    sender: cleanSender(event.sender),
    ...(chat?.title === undefined
      ? {}
      : { chat: { ...chat, title: cleanText(chat.title, INBOUND_LIMITS.name) } }),
  };
  switch (event.kind) {
    case 'message':
      return { ...event, ...base, text: cleanText(event.text) };
    case 'command':
      return {
        ...event,
        ...base,
        name: cleanId(event.name),
        args: cleanText(event.args),
        text: cleanText(event.text),
      };
    case 'action':
      return {
        ...event,
        ...base,
        actionId: cleanId(event.actionId),
        ...(event.value === undefined ? {} : { value: cleanText(event.value) }),
        ...(event.messageId === undefined ? {} : { messageId: cleanId(event.messageId) }),
      };
    case 'vote':
      return { ...event, ...base, pollRef: cleanId(event.pollRef), choice: cleanChoice(event.choice) };
    case 'member':
      return { ...event, ...base };
  }
}
