import { z } from 'zod';
import type { Capabilities } from '../../src/core/adapter.ts';
import { defineAdapter } from '../../src/core/adapter-module.ts';
import { int, optionalString, url } from '../../src/settings.ts';

/** The longest DM text Hearth sends in one message (X documents 10,000 characters for DMs). */
export const X_DM_MAX_LENGTH = 10_000;

/** X's per-account send limits (as of 2026-12): 15 per 15 minutes and 1,440 per 24 hours. */
export const X_DEFAULT_WINDOWS = { shortLimit: 15, shortMs: 15 * 60_000, dailyLimit: 1440 } as const;

/**
 * X's capabilities with the given send windows (the limiter and the broadcast pacer read them) and
 * prices (the owners' cost reports and budget warnings read them).
 */
export function xCapabilities(
  windows: { shortLimit: number; shortMs: number; dailyLimit: number },
  prices: {
    readUsd?: number | undefined;
    sentUsd?: number | undefined;
    monthlyBudgetUsd?: number | undefined;
  } = {},
): Capabilities {
  return {
    buttons: false,
    nativePolls: false,
    threads: false,
    editMessages: false,
    files: false,
    blocks: false,
    maxTextLength: X_DM_MAX_LENGTH,
    rateLimits: [
      { scope: 'account', limit: windows.shortLimit, windowMs: windows.shortMs },
      { scope: 'account', limit: windows.dailyLimit, windowMs: 24 * 3_600_000 },
    ],
    // A send whose outcome was lost reads the conversation before posting again (see sendPiece).
    idempotentResend: true,
    usagePricing: {
      platformName: 'X',
      unit: 'DMs',
      inboundUsd: prices.readUsd ?? 0.01,
      outboundUsd: prices.sentUsd ?? 0.015,
      ...(prices.monthlyBudgetUsd !== undefined ? { monthlyBudgetUsd: prices.monthlyBudgetUsd } : {}),
    },
  };
}

/**
 * X direct messages (../shared/notes/discord-x.md, part B): no buttons or native polls; sending is
 * limited per account to 15 per 15 minutes and 1,440 per 24 hours by default. These are what the
 * console simulates; the real adapter's add its configured windows and prices.
 */
export const X_CAPABILITIES: Capabilities = withoutPricing(xCapabilities(X_DEFAULT_WINDOWS));

/** The local console simulates X for free: nothing to count or price there. */
function withoutPricing(capabilities: Capabilities): Capabilities {
  const { usagePricing: _free, ...rest } = capabilities;
  return rest;
}

/** A price or budget in US dollars (a decimal number ≥ 0). */
const usd = (def: number | undefined) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? def : v),
    z.coerce.number({ error: 'expected an amount in US dollars, e.g. 0.015' }).min(0).optional(),
  );

export const X_SETTINGS = {
  X_APP_KEY: optionalString.describe('OAuth 1.0a consumer key (API key) of the X app.'),
  X_APP_SECRET: optionalString.describe(
    'OAuth 1.0a consumer secret (API key secret) of the X app; also signs X webhooks.',
  ),
  X_ACCESS_TOKEN: optionalString.describe(
    "Access token of the business's X account (generated after setting the app permission to Read, write, and Direct Messages).",
  ),
  X_ACCESS_SECRET: optionalString.describe("Access token secret of the business's X account."),
  X_API_URL: url('the X API base URL, e.g. https://api.x.com').describe(
    'X API base URL (default https://api.x.com).',
  ),
  X_WEBHOOK_URL: url('the public https URL X posts DM events to').describe(
    'Public https URL (no port) X posts DM events to, signed with X_APP_SECRET; its path is served by Hearth. Unset = polling.',
  ),
  X_POLL_INTERVAL_MS: int(60_000, 10, 86_400_000).describe(
    'Least time between two reads of new DMs (default 60000; X allows 15 reads per 15 minutes, and never faster than X reports).',
  ),
  X_POLL_PAGE_SIZE: int(20, 1, 100).describe(
    'DM events fetched per read (1-100, default 20); X bills each event read, so small pages cost less.',
  ),
  X_SEND_WINDOW_LIMIT: int(X_DEFAULT_WINDOWS.shortLimit, 1, 100_000).describe(
    'DMs allowed per short window X_SEND_WINDOW_MS (default 15).',
  ),
  X_SEND_WINDOW_MS: int(X_DEFAULT_WINDOWS.shortMs, 100, 86_400_000).describe(
    'Length of the short send window in ms (default 900000 = 15 minutes).',
  ),
  X_SEND_DAILY_LIMIT: int(X_DEFAULT_WINDOWS.dailyLimit, 1, 1_000_000).describe(
    'DMs allowed per 24 hours (default 1440); X’s own x-user-limit-24hour-* headers are respected too.',
  ),
  X_REQUEST_TIMEOUT_MS: int(30_000, 100, 300_000).describe(
    'How long one X API call may take (default 30000); a send that times out is checked before resending.',
  ),
  X_PRICE_DM_READ_USD: usd(0.01).describe('Price X charges per DM event read, in USD (default 0.010).'),
  X_PRICE_DM_SENT_USD: usd(0.015).describe('Price X charges per DM sent, in USD (default 0.015).'),
  X_MONTHLY_BUDGET_USD: usd(undefined).describe(
    'Monthly X spending limit in USD: owners are warned near it and broadcasts to X stop before it (support replies never). Unset = no limit.',
  ),
};

/** X DMs through twitter-api-v2 (OAuth 1.0a user context): polling by default. */
export const x = defineAdapter({
  platform: 'x',
  displayName: 'X',
  settings: X_SETTINGS,
  credentials: ['X_APP_KEY', 'X_APP_SECRET', 'X_ACCESS_TOKEN', 'X_ACCESS_SECRET'],
  capabilities: X_CAPABILITIES,
  async create(settings, log) {
    const missing = (['X_APP_KEY', 'X_APP_SECRET', 'X_ACCESS_TOKEN', 'X_ACCESS_SECRET'] as const).filter(
      (name) => !settings[name],
    );
    if (missing.length > 0) {
      throw new Error(`X needs all four OAuth 1.0a credentials; missing: ${missing.join(', ')}`);
    }
    const { XAdapter } = await import('./index.ts');
    return new XAdapter({
      credentials: {
        appKey: settings.X_APP_KEY ?? '',
        appSecret: settings.X_APP_SECRET ?? '',
        accessToken: settings.X_ACCESS_TOKEN ?? '',
        accessSecret: settings.X_ACCESS_SECRET ?? '',
      },
      ...(settings.X_API_URL ? { apiUrl: settings.X_API_URL } : {}),
      capabilities: xCapabilities(
        {
          shortLimit: settings.X_SEND_WINDOW_LIMIT,
          shortMs: settings.X_SEND_WINDOW_MS,
          dailyLimit: settings.X_SEND_DAILY_LIMIT,
        },
        {
          readUsd: settings.X_PRICE_DM_READ_USD,
          sentUsd: settings.X_PRICE_DM_SENT_USD,
          monthlyBudgetUsd: settings.X_MONTHLY_BUDGET_USD,
        },
      ),
      ...(settings.X_WEBHOOK_URL ? { webhookUrl: settings.X_WEBHOOK_URL } : {}),
      pollIntervalMs: settings.X_POLL_INTERVAL_MS,
      pageSize: settings.X_POLL_PAGE_SIZE,
      requestTimeoutMs: settings.X_REQUEST_TIMEOUT_MS,
      log,
    });
  },
});
