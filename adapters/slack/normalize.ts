/** Slack payloads → Hearth's InboundEvents. Pure functions: no SDK calls, easy to test. */
import type { ActionEvent, CommandEvent, MessageEvent } from '../../src/core/events.ts';
import { plainFromSlack } from './escape.ts';

/** The fields of a slash command Hearth uses (Bolt's `SlashCommand`). */
export interface SlackSlashCommand {
  command: string;
  text?: string;
  user_id: string;
  user_name?: string;
  channel_id: string;
  channel_name?: string;
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

/** Slack channel ids starting with D are direct messages with the bot. */
function isDirectChannel(channelId: string, channelNameOrType?: string): boolean {
  return channelId.startsWith('D') || channelNameOrType === 'directmessage' || channelNameOrType === 'im';
}

/** Slack's `ts` ("1700000000.000100") as a Date. */
export function tsToDate(ts: string | undefined, fallback: Date): Date {
  const seconds = Number(ts);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(Math.round(seconds * 1000)) : fallback;
}

/**
 * `/hearth stats week` → command `hearth`, args `stats week`; the trigger id is the event id.
 * Commands typed in the owners' channel or a DM are answered there. Typed anywhere else (a public
 * channel), the answer goes to the user's direct messages with the bot (chatId = user id), so owner
 * data never lands in a shared channel; `redirected` says so.
 */
export function normalizeSlashCommand(
  command: SlackSlashCommand,
  now: Date,
  ownersChannel?: string,
): CommandEvent & { redirected: boolean } {
  const name = command.command.replace(/^\//, '').toLowerCase();
  const args = plainFromSlack(command.text ?? '').trim();
  const direct = isDirectChannel(command.channel_id, command.channel_name);
  const redirected = !direct && command.channel_id !== ownersChannel;
  return {
    kind: 'command',
    id: `cmd:${command.trigger_id}`,
    at: now,
    address: { platform: 'slack', chatId: redirected ? command.user_id : command.channel_id },
    sender: {
      userId: command.user_id,
      ...(command.user_name ? { name: command.user_name } : {}),
      isBot: false,
    },
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
  message: SlackMessage,
  eventId: string,
  botUserId: string,
  now: Date,
): MessageEvent | null {
  const allowed =
    message.subtype === undefined ||
    message.subtype === 'thread_broadcast' ||
    message.subtype === 'file_share';
  if (!allowed || !message.user) return null;
  const typed = message.text ?? '';
  const text = plainFromSlack(typed);
  return {
    kind: 'message',
    id: `evt:${eventId}`,
    at: tsToDate(message.ts, now),
    address: {
      platform: 'slack',
      chatId: message.channel,
      ...(message.thread_ts ? { threadId: message.thread_ts } : {}),
    },
    sender: { userId: message.user, isBot: Boolean(message.bot_id) || message.user === botUserId },
    isDirect: isDirectChannel(message.channel, message.channel_type),
    text,
    mentionsBot: typed.includes(`<@${botUserId}>`),
    raw: message,
  };
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
export function normalizeBlockActions(body: SlackBlockActions, now: Date): ActionEvent[] {
  const chatId = body.channel?.id ?? body.container?.channel_id ?? body.user.id;
  const threadId = body.message?.thread_ts ?? body.container?.thread_ts;
  const messageId = body.container?.message_ts ?? body.message?.ts;
  return body.actions.map((action, index) => {
    const value = action.value ?? action.selected_option?.value;
    return {
      kind: 'action',
      id: `act:${body.trigger_id ?? `${messageId}:${action.action_ts}`}:${index}`,
      at: tsToDate(action.action_ts, now),
      address: { platform: 'slack', chatId, ...(threadId ? { threadId } : {}) },
      sender: {
        userId: body.user.id,
        ...((body.user.name ?? body.user.username) ? { name: body.user.name ?? body.user.username } : {}),
        isBot: false,
      },
      isDirect: isDirectChannel(chatId),
      actionId: hearthActionId(action.action_id),
      ...(value === undefined ? {} : { value }),
      ...(messageId ? { messageId } : {}),
    };
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

/**
 * A modal submission → ActionEvent: actionId = the view's callback_id, value = JSON of the inputs
 * by action_id (plus `private_metadata`), address = the private_metadata's channel when it holds
 * one (`{"channel":"C1"}`), else the user's DM.
 */
export function normalizeViewSubmission(body: SlackViewSubmission, now: Date): ActionEvent {
  const fields: Record<string, string | string[] | null> = {};
  for (const block of Object.values(body.view.state?.values ?? {})) {
    for (const [actionId, input] of Object.entries(block)) {
      fields[actionId] =
        input.value ?? input.selected_option?.value ?? input.selected_options?.map((o) => o.value) ?? null;
    }
  }
  const metadata = parseMetadata(body.view.private_metadata);
  const chatId = typeof metadata.channel === 'string' ? metadata.channel : body.user.id;
  return {
    kind: 'action',
    id: `view:${body.view.id}:${body.trigger_id ?? ''}`,
    at: now,
    address: { platform: 'slack', chatId },
    sender: { userId: body.user.id, isBot: false },
    isDirect: isDirectChannel(chatId),
    actionId: body.view.callback_id,
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
