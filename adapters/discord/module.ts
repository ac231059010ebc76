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
};

export const DISCORD_SETTINGS = {
  DISCORD_BOT_TOKEN: optionalString.describe('Bot token from the Developer Portal; Discord starts when set.'),
  DISCORD_API_URL: url('the Discord REST API base URL, e.g. https://discord.com/api').describe(
    'Discord REST API base URL (default https://discord.com/api); the gateway is found through it.',
  ),
};

/** Discord: settings and capabilities are declared; the adapter itself is not built yet. */
export const discord = defineAdapter({
  platform: 'discord',
  displayName: 'Discord',
  settings: DISCORD_SETTINGS,
  credentials: ['DISCORD_BOT_TOKEN'],
  capabilities: DISCORD_CAPABILITIES,
  async create(_settings, log) {
    log.warn('DISCORD_BOT_TOKEN is set, but Hearth has no Discord adapter yet: Discord is not connected');
    return null;
  },
});
