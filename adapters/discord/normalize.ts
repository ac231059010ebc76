import type { ChatAddress, InboundEvent, Sender } from '../../src/core/events.ts';
import { parseCommand } from '../../src/core/events.ts';
import type { CustomIdCodec } from './render.ts';

/** Who the bot is: its own messages are ignored and mentions of it are recognised by its id. */
export interface DiscordIdentity {
  botId: string;
}

/** An interaction to acknowledge at once (within 3 s) and answer later through its token. */
export interface InteractionToAck {
  id: string;
  token: string;
  applicationId: string;
  /** The member who asked: an answer only they may see goes to their DMs when the token cannot. */
  userId: string;
  /** 'command': deferred answer (type 5), answered by editing it; 'component': deferred update (6). */
  kind: 'command' | 'component';
  /** Only the member who asked sees the answer (subscription state, help). */
  ephemeral: boolean;
}

/** A gateway dispatch as an InboundEvent, or why it was left alone (logged at debug). */
export type Normalized = { event: InboundEvent; interaction?: InteractionToAck } | { ignored: string };

/** Slash commands whose answers concern only the member who asked: answered ephemerally. */
export const EPHEMERAL_COMMANDS = new Set(['subscribe', 'unsubscribe', 'topics', 'help']);

/** How long Discord lets an interaction token answer (15 minutes; a little less to be safe). */
export const INTERACTION_TOKEN_MS = 14 * 60_000;

/** Permission bits that let a member register a channel: ADMINISTRATOR (1 << 3), MANAGE_GUILD (1 << 5). */
const ADMIN_BITS = (1n << 3n) | (1n << 5n);

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSnowflake = (v: unknown): v is string => typeof v === 'string' && /^\d{1,25}$/.test(v);
/** What an interaction token looks like (base64url-ish); anything else is not used as a URL part. */
const TOKEN = /^[\w.-]{1,500}$/;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Turns one gateway dispatch (`t`, `d`) into an InboundEvent. Decisions:
 * - MESSAGE_CREATE: DMs are read; in a server only messages that @mention the bot (its `<@id>` leads
 *   or it is in `mentions`), with the mention taken out; bots (the bot itself too) are ignored;
 *   `/name args` typed as text is a command;
 * - INTERACTION_CREATE: slash commands are commands (`/ask` is a question addressed to the bot),
 *   buttons are actions; both are acknowledged by the adapter and carry a reply handle (the token);
 * - MESSAGE_POLL_VOTE_ADD/REMOVE: a vote adding or removing one answer (answer ids count from 1);
 * - GUILD_DELETE without `unavailable` (the bot was removed): handled by the adapter;
 * - anything else, or anything malformed, is ignored.
 */
export function normalizeDispatch(
  t: unknown,
  d: unknown,
  me: DiscordIdentity,
  codec: CustomIdCodec,
): Normalized {
  if (typeof t !== 'string' || !isRecord(d)) return { ignored: 'malformed dispatch' };
  try {
    if (t === 'MESSAGE_CREATE') return fromMessage(d, me);
    if (t === 'INTERACTION_CREATE') return fromInteraction(d, codec);
    if (t === 'MESSAGE_POLL_VOTE_ADD' || t === 'MESSAGE_POLL_VOTE_REMOVE')
      return fromVote(d, t.endsWith('ADD'));
  } catch (error) {
    return { ignored: `malformed ${t} (${error instanceof Error ? error.message : String(error)})` };
  }
  return { ignored: `dispatch ${t.slice(0, 64)} not used` };
}

function userOf(value: unknown): Sender {
  if (!isRecord(value) || !isSnowflake(value.id)) throw new Error('no user');
  const name = str(value.global_name) ?? str(value.username);
  return {
    userId: value.id,
    ...(name ? { name } : {}),
    ...(str(value.username) ? { username: value.username as string } : {}),
    isBot: value.bot === true,
  };
}

function timeOf(value: unknown): Date {
  const at = typeof value === 'string' ? new Date(value) : new Date();
  return Number.isNaN(at.getTime()) ? new Date() : at;
}

function fromMessage(d: Json, me: DiscordIdentity): Normalized {
  if (!isSnowflake(d.id) || !isSnowflake(d.channel_id)) throw new Error('no id or channel');
  const sender = userOf(d.author);
  if (sender.isBot || sender.userId === me.botId) return { ignored: 'message from a bot' };
  if (d.webhook_id !== undefined) return { ignored: 'message from a webhook' };
  const type = d.type ?? 0;
  if (type !== 0 && type !== 19) return { ignored: `message of type ${String(type).slice(0, 8)}` };
  const content = str(d.content) ?? '';
  const isDirect = d.guild_id === undefined || d.guild_id === null;
  const address: ChatAddress = { platform: 'discord', chatId: d.channel_id };
  const base = { id: d.id, at: timeOf(d.timestamp), address, sender, isDirect, raw: d };
  let text = content;
  if (!isDirect) {
    const mention = new RegExp(`<@!?${me.botId}>`, 'g');
    const mentioned =
      mention.test(content) ||
      (Array.isArray(d.mentions) && d.mentions.some((m) => isRecord(m) && m.id === me.botId));
    if (!mentioned) return { ignored: 'server message not addressed to the bot' };
    text = content.replace(mention, ' ').replace(/\s+/g, ' ').trim();
  }
  const chat = isDirect ? ({ kind: 'direct' } as const) : ({ kind: 'group' } as const);
  const command = parseCommand(text);
  if (command) return { event: { ...base, chat, kind: 'command', ...command, text } };
  if (!text.trim()) return { ignored: 'message without text (no MESSAGE_CONTENT, or an attachment only)' };
  return { event: { ...base, chat, kind: 'message', text, ...(isDirect ? {} : { mentionsBot: true }) } };
}

function fromInteraction(d: Json, codec: CustomIdCodec): Normalized {
  if (
    !isSnowflake(d.id) ||
    typeof d.token !== 'string' ||
    !TOKEN.test(d.token) ||
    !isSnowflake(d.application_id)
  )
    throw new Error('no id, token or application');
  if (d.type !== 2 && d.type !== 3) return { ignored: `interaction of type ${String(d.type).slice(0, 8)}` };
  const channelId = str(d.channel_id) ?? (isRecord(d.channel) ? str(d.channel.id) : undefined);
  if (!isSnowflake(channelId)) throw new Error('no channel');
  const member = isRecord(d.member) ? d.member : undefined;
  const sender = userOf(member ? member.user : d.user);
  const isDirect = !isSnowflake(d.guild_id);
  if (member && typeof member.permissions === 'string' && /^\d{1,40}$/.test(member.permissions)) {
    sender.isChatAdmin = (BigInt(member.permissions) & ADMIN_BITS) !== 0n;
  }
  const data = isRecord(d.data) ? d.data : {};
  const base = {
    id: d.id,
    at: new Date(),
    address: { platform: 'discord' as const, chatId: channelId },
    sender,
    isDirect,
    chat: { kind: isDirect ? ('direct' as const) : ('group' as const) },
    replyHandle: { value: '', expiresAt: new Date(Date.now() + INTERACTION_TOKEN_MS).toISOString() },
    raw: d,
  };
  if (d.type === 3) {
    const customId = str(data.custom_id);
    if (!customId) throw new Error('no custom_id');
    const action = codec.decode(customId);
    // An empty action id ("|…") is no button of Hearth's, as on Telegram.
    if (!action?.actionId) return { ignored: 'button no longer known (its long payload expired)' };
    const ack: InteractionToAck = { ...ackOf(d), userId: sender.userId, kind: 'component', ephemeral: true };
    const messageId = isRecord(d.message) ? str(d.message.id) : undefined;
    return {
      event: {
        ...base,
        replyHandle: { ...base.replyHandle, value: handleValue(ack) },
        kind: 'action',
        actionId: action.actionId,
        ...(action.value !== undefined ? { value: action.value } : {}),
        ...(messageId ? { messageId } : {}),
      },
      interaction: ack,
    };
  }
  const name = str(data.name)?.toLowerCase();
  if (!name) throw new Error('no command name');
  const args = optionValues(data.options).join(' ').trim();
  const ack: InteractionToAck = {
    ...ackOf(d),
    userId: sender.userId,
    kind: 'command',
    ephemeral: EPHEMERAL_COMMANDS.has(name),
  };
  const replyHandle = { ...base.replyHandle, value: handleValue(ack) };
  if (name === 'ask') {
    if (!args) return { ignored: '/ask without a question' };
    return {
      event: { ...base, replyHandle, kind: 'message', text: args, mentionsBot: true },
      interaction: ack,
    };
  }
  const text = `/${name}${args ? ` ${args}` : ''}`;
  return { event: { ...base, replyHandle, kind: 'command', name, args, text }, interaction: ack };
}

function ackOf(d: Json): { id: string; token: string; applicationId: string } {
  return { id: d.id as string, token: d.token as string, applicationId: d.application_id as string };
}

/** The values of a command's options, in order (sub-commands flattened). */
function optionValues(options: unknown): string[] {
  if (!Array.isArray(options)) return [];
  return options.flatMap((option) => {
    if (!isRecord(option)) return [];
    if (Array.isArray(option.options)) return [str(option.name) ?? '', ...optionValues(option.options)];
    const value = option.value;
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
      ? [String(value)]
      : [];
  });
}

function fromVote(d: Json, add: boolean): Normalized {
  if (!isSnowflake(d.user_id) || !isSnowflake(d.channel_id) || !isSnowflake(d.message_id))
    throw new Error('no user, channel or message');
  const answerId = d.answer_id;
  if (typeof answerId !== 'number' || !Number.isSafeInteger(answerId) || answerId < 1 || answerId > 100)
    throw new Error('no answer id');
  const option = answerId - 1;
  return {
    event: {
      id: `vote:${d.message_id}:${d.user_id}:${answerId}:${add ? 'add' : 'remove'}`,
      at: new Date(),
      address: { platform: 'discord', chatId: d.channel_id },
      sender: { userId: d.user_id, isBot: false },
      isDirect: !isSnowflake(d.guild_id),
      kind: 'vote',
      pollRef: d.message_id,
      choice: add ? { add: option } : { remove: option },
      raw: d,
    },
  };
}

/**
 * What a reply handle holds: the interaction (application `a`, id `i`, token `t`), how to answer it
 * (`k`, ephemeral `e`) and the member who asked (`u`; absent in handles made before it was added).
 */
export interface HandleValue {
  a: string;
  i: string;
  t: string;
  k: 'command' | 'component';
  e: boolean;
  u?: string;
}

export function handleValue(ack: InteractionToAck): string {
  const value: HandleValue = {
    a: ack.applicationId,
    i: ack.id,
    t: ack.token,
    k: ack.kind,
    e: ack.ephemeral,
    u: ack.userId,
  };
  return JSON.stringify(value);
}

/** A reply handle's value read back (null when it is not one of ours). */
export function parseHandle(value: string): HandleValue | null {
  try {
    const parsed: unknown = JSON.parse(value);
    if (!isRecord(parsed)) return null;
    const { a, i, t, k, e, u } = parsed;
    if (!isSnowflake(a) || !isSnowflake(i) || typeof t !== 'string' || !TOKEN.test(t)) return null;
    if (k !== 'command' && k !== 'component') return null;
    return { a, i, t, k, e: e === true, ...(isSnowflake(u) ? { u } : {}) };
  } catch {
    return null;
  }
}
