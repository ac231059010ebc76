/**
 * Payloads of the fake Discord (test/fakes/discord-api.ts), shaped like Discord's API v10 sends them:
 * users, messages, interactions, guilds. Also small HTTP helpers of the fake's REST side.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const FAKE_BOT = { id: '100000000000000001', username: 'hearth_bot', bot: true } as const;
export const FAKE_APPLICATION_ID = FAKE_BOT.id;
export const FAKE_GUILD_ID = '300000000000000003';
export const FAKE_CHANNEL_ID = '400000000000000004';
/** Application flag GATEWAY_MESSAGE_CONTENT_LIMITED (1 << 19): the toggle in the Developer Portal. */
export const MESSAGE_CONTENT_FLAG = 1 << 19;
/** The permission bit MANAGE_GUILD ("Manage Server"). */
export const MANAGE_GUILD = 1n << 5n;

/** A Discord user as in payloads, from a test's short user name ('alice' → a stable numeric id). */
export function discordUser(name: string): { id: string; username: string; global_name: string } {
  return { id: discordUserId(name), username: name.toLowerCase().slice(0, 32), global_name: name };
}

/** A stable snowflake-like id for a test user name (numeric names are used as they are). */
export function discordUserId(name: string): string {
  if (/^\d{5,20}$/.test(name)) return name;
  let hash = 0n;
  for (const c of name) hash = (hash * 131n + BigInt(c.codePointAt(0) ?? 0)) % 10n ** 15n;
  return String(200_000_000_000_000_000n + hash);
}

/** The DM channel the fake opens between the bot and a user (stable, derived from the user id). */
export function dmChannelIdOf(userId: string): string {
  return String(BigInt(userId) + 500_000_000_000_000_000n);
}

let snowflake = 700_000_000_000_000_000n;
/** A fresh, increasing snowflake-like id. */
export function nextId(): string {
  snowflake += 1n;
  return String(snowflake);
}

/** MESSAGE_CREATE for a DM from `user` to the bot. */
export function dmMessage(user: string, content: string, id = nextId()): Record<string, unknown> {
  const author = discordUser(user);
  return {
    id,
    type: 0,
    channel_id: dmChannelIdOf(author.id),
    channel_type: 1,
    author,
    content,
    timestamp: new Date().toISOString(),
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
  };
}

/** MESSAGE_CREATE in a guild channel; `mentionBot` puts `<@bot>` first and the bot in `mentions`. */
export function guildMessage(
  user: string,
  content: string,
  options: { channelId?: string; mentionBot?: boolean; bot?: boolean; id?: string } = {},
): Record<string, unknown> {
  const author = { ...discordUser(user), ...(options.bot ? { bot: true } : {}) };
  return {
    id: options.id ?? nextId(),
    type: 0,
    channel_id: options.channelId ?? FAKE_CHANNEL_ID,
    guild_id: FAKE_GUILD_ID,
    author,
    member: { roles: [], joined_at: new Date().toISOString() },
    content: options.mentionBot ? `<@${FAKE_BOT.id}> ${content}` : content,
    timestamp: new Date().toISOString(),
    mentions: options.mentionBot ? [{ ...FAKE_BOT }] : [],
    mention_roles: [],
    attachments: [],
    embeds: [],
  };
}

/** INTERACTION_CREATE for a slash command (options as name → value), in a DM or a guild channel. */
export function commandInteraction(
  user: string,
  name: string,
  options: Record<string, string> = {},
  where: { guild?: boolean; channelId?: string; permissions?: bigint } = {},
): Record<string, unknown> {
  return interaction(user, 2, { id: nextId(), name, type: 1, options: commandOptions(options) }, where);
}

/** INTERACTION_CREATE for a button press (custom_id) on message `messageId`. */
export function buttonInteraction(
  user: string,
  customId: string,
  messageId: string,
  where: { guild?: boolean; channelId?: string } = {},
): Record<string, unknown> {
  return {
    ...interaction(user, 3, { custom_id: customId, component_type: 2 }, where),
    message: { id: messageId, channel_id: where.channelId ?? FAKE_CHANNEL_ID },
  };
}

function commandOptions(options: Record<string, string>): { name: string; type: number; value: string }[] {
  return Object.entries(options).map(([name, value]) => ({ name, type: 3, value }));
}

function interaction(
  user: string,
  type: number,
  data: Record<string, unknown>,
  where: { guild?: boolean; channelId?: string; permissions?: bigint },
): Record<string, unknown> {
  const author = discordUser(user);
  const channelId = where.guild ? (where.channelId ?? FAKE_CHANNEL_ID) : dmChannelIdOf(author.id);
  const place = where.guild
    ? {
        guild_id: FAKE_GUILD_ID,
        member: {
          user: author,
          roles: [],
          permissions: String(where.permissions ?? 0n),
          joined_at: new Date().toISOString(),
        },
        context: 0,
      }
    : { user: author, context: 1 };
  return {
    id: nextId(),
    application_id: FAKE_APPLICATION_ID,
    type,
    token: `itoken-${nextId()}`,
    version: 1,
    data,
    channel_id: channelId,
    channel: { id: channelId, type: where.guild ? 0 : 1 },
    app_permissions: '0',
    locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: {},
    ...place,
  };
}

/** GUILD_CREATE for the fake's guild with one text channel. */
export function guildCreate(channels: { id: string; name: string }[]): Record<string, unknown> {
  return {
    id: FAKE_GUILD_ID,
    name: 'Test Guild',
    owner_id: discordUserId('owner'),
    unavailable: false,
    member_count: 2,
    roles: [{ id: FAKE_GUILD_ID, name: '@everyone', permissions: '0', position: 0, color: 0, flags: 0 }],
    channels: channels.map((c, position) => ({ ...c, type: 0, position, permission_overwrites: [] })),
    members: [],
    threads: [],
    emojis: [],
    stickers: [],
    features: [],
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
  };
}

/** Reads a request body as JSON (undefined when empty or not JSON). */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function answer(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** Discord's markdown rendering of backslash escapes: what a member reads of a sent text. */
export function shownText(content: string): string {
  return content.replace(/\\([^0-9A-Za-z\s])/g, '$1');
}
