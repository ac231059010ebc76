import { z } from 'zod';
import type { Capabilities } from '../../src/core/adapter.ts';
import { defineAdapter } from '../../src/core/adapter-module.ts';
import { optionalString, url } from '../../src/settings.ts';

/**
 * Discord (../shared/notes/discord-x.md, part A): 2,000 characters a message; 50 requests a second
 * per bot (per-route buckets come from the response headers); native polls with a question of
 * 300, answers of 55 characters, 10 answers, open 1-768 hours.
 */
export const DISCORD_CAPABILITIES: Capabilities = {
  buttons: true,
  nativePolls: true,
  pollLimits: { maxQuestionLength: 300, maxOptionLength: 55, maxOptions: 10, maxDurationHours: 768 },
  threads: true,
  editMessages: true,
  files: true,
  blocks: false,
  maxTextLength: 2000,
  rateLimits: [{ scope: 'account', limit: 50, windowMs: 1000 }],
  replyHandles: true,
  // Each piece carries a nonce with enforce_nonce: a resend within minutes is not posted twice.
  idempotentResend: true,
};

const snowflake = (what: string) =>
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^\d{5,25}$/, { error: `expected ${what} (a numeric Discord id)` })
      .optional(),
  );

export const DISCORD_SETTINGS = {
  DISCORD_BOT_TOKEN: optionalString.describe('Bot token from the Developer Portal; Discord starts when set.'),
  DISCORD_API_URL: url('the Discord REST API base URL, e.g. https://discord.com/api').describe(
    'Discord REST API base URL (default https://discord.com/api); the gateway is found through it.',
  ),
  DISCORD_GUILD_ID: snowflake('a server id').describe(
    'Register slash commands in this server only (they update at once); unset = global commands.',
  ),
  DISCORD_APPLICATION_ID: snowflake('an application id').describe(
    'Application id (default: read from Discord with the bot token).',
  ),
  DISCORD_MESSAGE_CONTENT: z
    .preprocess(
      (v) => (v === '' || v === undefined ? 'auto' : String(v).toLowerCase()),
      z.enum(['on', 'off', 'auto'], { error: 'expected on, off or auto' }),
    )
    .describe(
      'Ask for the privileged MESSAGE_CONTENT intent: on, off, or auto (when enabled in the Developer Portal). Hearth works without it.',
    ),
};

/** Discord through discord.js: gateway (one instance holds it) for events, REST for sends. */
export const discord = defineAdapter({
  platform: 'discord',
  displayName: 'Discord',
  settings: DISCORD_SETTINGS,
  credentials: ['DISCORD_BOT_TOKEN'],
  capabilities: DISCORD_CAPABILITIES,
  async create(settings, log) {
    const { DiscordAdapter } = await import('./index.ts');
    return new DiscordAdapter({
      token: settings.DISCORD_BOT_TOKEN ?? '',
      log,
      messageContent: settings.DISCORD_MESSAGE_CONTENT,
      ...(settings.DISCORD_API_URL ? { apiUrl: settings.DISCORD_API_URL } : {}),
      ...(settings.DISCORD_GUILD_ID ? { guildId: settings.DISCORD_GUILD_ID } : {}),
      ...(settings.DISCORD_APPLICATION_ID ? { applicationId: settings.DISCORD_APPLICATION_ID } : {}),
    });
  },
});
