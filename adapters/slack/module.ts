import type { Capabilities } from '../../src/core/adapter.ts';
import { defineAdapter } from '../../src/core/adapter-module.ts';
import { list, optionalString, url } from '../../src/settings.ts';
import { SLACK_TEXT_LIMIT } from './render.ts';

/** The owners' room when SLACK_OWNERS_CHANNEL is not set (also the console's owner view). */
export const SLACK_CONSOLE_OWNERS_CHANNEL = '#owners';

export const SLACK_CAPABILITIES: Capabilities = {
  buttons: true,
  nativePolls: false,
  threads: true,
  editMessages: true,
  files: true,
  blocks: true,
  maxTextLength: SLACK_TEXT_LIMIT,
  // chat.postMessage: about 1 message per second per channel, short bursts allowed.
  rateLimits: [
    { scope: 'account', limit: 10, windowMs: 1000 },
    { scope: 'chat', limit: 1, windowMs: 1000 },
  ],
  replyHandles: true,
};

export const SLACK_SETTINGS = {
  SLACK_BOT_TOKEN: optionalString.describe(
    'Bot token (xoxb-...); Slack starts when set, with SLACK_SIGNING_SECRET or SLACK_APP_TOKEN.',
  ),
  SLACK_SIGNING_SECRET: optionalString.describe('Signing secret; verifies HTTP-mode requests.'),
  SLACK_APP_TOKEN: optionalString.describe('App-level token (xapp-...) for Socket Mode (no public URL).'),
  SLACK_API_URL: url('the Slack Web API base URL, e.g. https://slack.com/api/').describe(
    'Slack Web API base URL (default https://slack.com/api/).',
  ),
  SLACK_OWNERS_CHANNEL: optionalString.describe(
    "The private owners' channel id (e.g. C0123456789); its members are owners.",
  ),
  SLACK_OWNER_USER_IDS: list
    .default([])
    .describe('Comma-separated Slack user ids that are owners wherever they write to the app.'),
};

/** Slack, the owners' control room, on @slack/bolt: HTTP mode or Socket Mode. */
export const slack = defineAdapter({
  platform: 'slack',
  displayName: 'Slack',
  settings: SLACK_SETTINGS,
  credentials: ['SLACK_BOT_TOKEN'],
  capabilities: SLACK_CAPABILITIES,
  async create(settings, log) {
    const { SlackAdapter } = await import('./index.ts');
    return new SlackAdapter({
      botToken: settings.SLACK_BOT_TOKEN ?? '',
      ...(settings.SLACK_SIGNING_SECRET ? { signingSecret: settings.SLACK_SIGNING_SECRET } : {}),
      ...(settings.SLACK_APP_TOKEN ? { appToken: settings.SLACK_APP_TOKEN } : {}),
      ...(settings.SLACK_API_URL ? { apiUrl: settings.SLACK_API_URL } : {}),
      ...(settings.SLACK_OWNERS_CHANNEL ? { ownersChannel: settings.SLACK_OWNERS_CHANNEL } : {}),
      ownerUserIds: settings.SLACK_OWNER_USER_IDS,
      log,
    });
  },
});
