/**
 * Slack payloads → Hearth's InboundEvents. Pure functions: no SDK calls, easy to test. Payloads are
 * checked field by field (the interfaces below say what Hearth reads, not what arrives): a payload
 * without what an event needs is ignored (null, or no events), never a thrown error.
 */
import type { ActionEvent, CommandEvent, MessageEvent } from '../../src/core/events.ts';
import { plainFromTyped } from './escape.ts';

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
/** A non-empty string, or undefined. */
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** The fields of a slash command Hearth uses (Bolt's `SlashCommand`). */
export interface SlackSlashCommand {
  command: string;
  text?: string;
  user_id: string;
  user_name?: string;
  channel_id: string;
  trigger_id: string;
  response_url?: string;
}

/** The fields of a channel/DM message event Hearth uses. */
export interface SlackMessage {
  type: 'message';
  subtype?: string;
  channel: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
}

/** Button ids carry a `#n` suffix so two buttons with one Hearth actionId stay unique in a block. */
export function hearthActionId(slackActionId: string): string {
  return slackActionId.replace(/#\d+$/, '');
}

/**
 * Slack channel ids starting with D are direct messages. Decided by the id alone, never by a channel
 * name: anyone may name a public channel `directmessage` or `im`.
 */
function isDirectChannel(channelId: string): boolean {
  return channelId.startsWith('D');
}

/** Slack's `ts` ("1700000000.000100") as a Date. */
export function tsToDate(ts: string | undefined, fallback: Date): Date {
  const seconds = Number(ts);
  const at = Number.isFinite(seconds) && seconds > 0 ? new Date(Math.round(seconds * 1000)) : undefined;
  return at && !Number.isNaN(at.getTime()) ? at : fallback;
}

/**
 * `/hearth stats week` → command `hearth`, args `stats week`; the trigger id is the event id.
 * Commands typed in the owners' channel or a DM are answered there. Typed anywhere else (a public
 * channel), the answer goes to the user's direct messages with the bot (chatId = user id), so owner
 * data never lands in a shared channel; `redirected` says so.
 */
export function normalizeSlashCommand(
  command: SlackSlashCommand | unknown,
  now: Date,
  ownersChannel?: string,
): (CommandEvent & { redirected: boolean }) | null {
  if (!isRecord(command)) return null;
  const word = text(command.command);
  const userId = text(command.user_id);
  const channelId = text(command.channel_id);
  const triggerId = text(command.trigger_id);
  if (!word || !userId || !channelId || !triggerId) return null;
  const name = word.replace(/^\//, '').toLowerCase();
  if (!name) return null;
  const args = plainFromTyped(typeof command.text === 'string' ? command.text : '').trim();
  const direct = isDirectChannel(channelId);
  const redirected = !direct && channelId !== ownersChannel;
  const userName = text(command.user_name);
  return {
    kind: 'command',
    id: `cmd:${triggerId}`,
    at: now,
    address: { platform: 'slack', chatId: redirected ? userId : channelId },
    sender: { userId, ...(userName ? { name: userName } : {}), isBot: false },
    isDirect: direct || redirected,
    name,
    args,
    text: `/${name}${args ? ` ${args}` : ''}`,
    raw: command,
    redirected,
  };
}

/**
 * A user's message in a channel, DM or thread; null for edits, deletions, joins and other subtypes.
 * `threadId` is the thread's parent `ts`, so a reply in a handoff thread keeps its thread.
 */
export function normalizeMessage(
  message: SlackMessage | unknown,
  eventId: string,
  botUserId: string,
  now: Date,
): MessageEvent | null {
  if (!isRecord(message) || !text(eventId)) return null;
  const allowed =
    message.subtype === undefined ||
    message.subtype === 'thread_broadcast' ||
    message.subtype === 'file_share';
  const user = text(message.user);
  const channel = text(message.channel);
  if (!allowed || !user || !channel) return null;
  const typed = typeof message.text === 'string' ? message.text : '';
  // The bot's own mention says who is addressed, not what to read: it is dropped from the text.
  const messageText = plainFromTyped(botUserId ? withoutMention(typed, botUserId) : typed);
  const threadTs = text(message.thread_ts);
  return {
    kind: 'message',
    id: `evt:${eventId}`,
    at: tsToDate(text(message.ts), now),
    address: { platform: 'slack', chatId: channel, ...(threadTs ? { threadId: threadTs } : {}) },
    sender: { userId: user, isBot: Boolean(message.bot_id) || user === botUserId },
    isDirect: message.channel_type === 'im' || isDirectChannel(channel),
    text: messageText,
    mentionsBot: botUserId !== '' && typed.includes(`<@${botUserId}>`),
    raw: message,
  };
}

/** `text` without the markup of mentions of `userId` (`<@U1>`, `<@U1|name>`). */
function withoutMention(text: string, userId: string): string {
  return text
    .replace(/<@([A-Za-z0-9]+)(?:\|[^>]*)?>[ \t]?/g, (markup, id: string) => (id === userId ? '' : markup))
    .trim();
}

/** The fields of a block_actions payload Hearth uses. */
export interface SlackBlockActions {
  type: 'block_actions';
  trigger_id?: string;
  user: { id: string; username?: string; name?: string };
  channel?: { id: string; name?: string };
  container?: { message_ts?: string; channel_id?: string; thread_ts?: string };
  message?: { ts?: string; thread_ts?: string };
  actions: { action_id: string; value?: string; action_ts?: string; selected_option?: { value: string } }[];
}

/** A button press → ActionEvent (one per action in the payload; Slack sends one). */
export function normalizeBlockActions(body: SlackBlockActions | unknown, now: Date): ActionEvent[] {
  if (!isRecord(body) || !isRecord(body.user) || !Array.isArray(body.actions)) return [];
  const userId = text(body.user.id);
  if (!userId) return [];
  const channel = isRecord(body.channel) ? body.channel : {};
  const container = isRecord(body.container) ? body.container : {};
  const message = isRecord(body.message) ? body.message : {};
  const chatId = text(channel.id) ?? text(container.channel_id) ?? userId;
  const threadId = text(message.thread_ts) ?? text(container.thread_ts);
  const messageId = text(container.message_ts) ?? text(message.ts);
  const triggerId = text(body.trigger_id);
  const name = text(body.user.name) ?? text(body.user.username);
  return body.actions.flatMap((action: unknown, index): ActionEvent[] => {
    if (!isRecord(action)) return [];
    const actionId = text(action.action_id);
    const actionTs = text(action.action_ts);
    // Without a trigger id, the message and the press time make the event unique.
    const unique = triggerId ?? (messageId && actionTs ? `${messageId}:${actionTs}` : undefined);
    if (!actionId || !unique) return [];
    const selected = isRecord(action.selected_option) ? action.selected_option.value : undefined;
    const value =
      typeof action.value === 'string' ? action.value : typeof selected === 'string' ? selected : undefined;
    return [
      {
        kind: 'action',
        id: `act:${unique}:${index}`,
        at: tsToDate(actionTs, now),
        address: { platform: 'slack', chatId, ...(threadId ? { threadId } : {}) },
        sender: { userId, ...(name ? { name } : {}), isBot: false },
        isDirect: isDirectChannel(chatId),
        actionId: hearthActionId(actionId),
        ...(value === undefined ? {} : { value }),
        ...(messageId ? { messageId } : {}),
      },
    ];
  });
}

/** The fields of a view_submission payload Hearth uses. */
export interface SlackViewSubmission {
  type: 'view_submission';
  trigger_id?: string;
  user: { id: string; username?: string; name?: string };
  view: {
    id: string;
    callback_id: string;
    private_metadata?: string;
    state?: { values: Record<string, Record<string, SlackInputState>> };
  };
}

interface SlackInputState {
  value?: string | null;
  selected_option?: { value: string } | null;
  selected_options?: { value: string }[];
}

/** An input's value: text, a selected option, or several selected options. */
function inputValue(input: unknown): string | string[] | null {
  if (!isRecord(input)) return null;
  if (typeof input.value === 'string') return input.value;
  if (isRecord(input.selected_option) && typeof input.selected_option.value === 'string') {
    return input.selected_option.value;
  }
  if (Array.isArray(input.selected_options)) {
    return input.selected_options.flatMap((o: unknown) =>
      isRecord(o) && typeof o.value === 'string' ? [o.value] : [],
    );
  }
  return null;
}

/**
 * A modal submission → ActionEvent: actionId = the view's callback_id, value = JSON of the inputs
 * by action_id (plus `private_metadata`), address = the private_metadata's channel when it holds
 * one (`{"channel":"C1"}`), else the user's DM.
 */
export function normalizeViewSubmission(body: SlackViewSubmission | unknown, now: Date): ActionEvent | null {
  if (!isRecord(body) || !isRecord(body.user) || !isRecord(body.view)) return null;
  const userId = text(body.user.id);
  const viewId = text(body.view.id);
  const callbackId = text(body.view.callback_id);
  if (!userId || !viewId || !callbackId) return null;
  const fields: Record<string, string | string[] | null> = {};
  const values = isRecord(body.view.state) && isRecord(body.view.state.values) ? body.view.state.values : {};
  for (const block of Object.values(values)) {
    if (!isRecord(block)) continue;
    for (const [actionId, input] of Object.entries(block)) fields[actionId] = inputValue(input);
  }
  const metadata = parseMetadata(
    typeof body.view.private_metadata === 'string' ? body.view.private_metadata : undefined,
  );
  const chatId = text(metadata.channel) ?? userId;
  return {
    kind: 'action',
    id: `view:${viewId}:${text(body.trigger_id) ?? ''}`,
    at: now,
    address: { platform: 'slack', chatId },
    sender: { userId, isBot: false },
    isDirect: isDirectChannel(chatId),
    actionId: callbackId,
    value: JSON.stringify({ fields, metadata }),
  };
}

function parseMetadata(raw: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return { text: raw };
  }
}
