import type { Capabilities } from '../../src/core/adapter.ts';
import { defineAdapter } from '../../src/core/adapter-module.ts';
import { optionalString, url } from '../../src/settings.ts';

/**
 * X direct messages (../shared/notes/discord-x.md, part B): no buttons or native polls; sending is
 * limited per account to 15 per 15 minutes and 1,440 per 24 hours.
 */
export const X_CAPABILITIES: Capabilities = {
  buttons: false,
  nativePolls: false,
  threads: false,
  editMessages: false,
  files: false,
  blocks: false,
  maxTextLength: 10_000,
  rateLimits: [
    { scope: 'account', limit: 15, windowMs: 15 * 60_000 },
    { scope: 'account', limit: 1440, windowMs: 24 * 3_600_000 },
  ],
};

export const X_SETTINGS = {
  X_APP_KEY: optionalString.describe('OAuth 1.0a consumer key of the X app.'),
  X_APP_SECRET: optionalString.describe('OAuth 1.0a consumer secret of the X app.'),
  X_ACCESS_TOKEN: optionalString.describe("Access token of the business's X account."),
  X_ACCESS_SECRET: optionalString.describe("Access token secret of the business's X account."),
  X_API_URL: url('the X API base URL, e.g. https://api.x.com').describe(
    'X API base URL (default https://api.x.com).',
  ),
};

/** X DMs: settings and capabilities are declared; the adapter itself is not built yet. */
export const x = defineAdapter({
  platform: 'x',
  displayName: 'X',
  settings: X_SETTINGS,
  credentials: ['X_APP_KEY', 'X_APP_SECRET', 'X_ACCESS_TOKEN', 'X_ACCESS_SECRET'],
  capabilities: X_CAPABILITIES,
  async create(_settings, log) {
    log.warn('X credentials are set, but Hearth has no X adapter yet: X is not connected');
    return null;
  },
});
