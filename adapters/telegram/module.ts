import { z } from 'zod';
import type { Capabilities } from '../../src/core/adapter.ts';
import { defineAdapter } from '../../src/core/adapter-module.ts';
import { optionalString, url } from '../../src/settings.ts';
import { TELEGRAM_LIMITS } from './render.ts';

/**
 * Telegram's limits: ~30 messages/s across chats, 1/s in one chat (groups: 20/min, which the
 * per-chat 1/s does not fully cover: a 429 from a busy group makes the outbox wait as told).
 * Non-anonymous native polls work in groups (votes arrive as poll_answer); channels need anonymous
 * polls, which the adapter falls back to by itself.
 */
export const TELEGRAM_CAPABILITIES: Capabilities = {
  buttons: true,
  nativePolls: true,
  nativePollsAnonymousInGroups: false,
  pollLimits: {
    maxQuestionLength: TELEGRAM_LIMITS.pollQuestion,
    maxOptionLength: TELEGRAM_LIMITS.pollOption,
    maxOptions: TELEGRAM_LIMITS.pollOptionsMax,
  },
  threads: true,
  editMessages: true,
  files: true,
  blocks: false,
  maxTextLength: TELEGRAM_LIMITS.text,
  rateLimits: [
    { scope: 'account', limit: 30, windowMs: 1000 },
    { scope: 'chat', limit: 1, windowMs: 1000 },
  ],
};

export const TELEGRAM_SETTINGS = {
  TELEGRAM_BOT_TOKEN: optionalString.describe('Bot token from @BotFather; Telegram starts only when set.'),
  TELEGRAM_API_ROOT: url('the Bot API base URL, e.g. https://api.telegram.org').describe(
    'Bot API base URL (default https://api.telegram.org); a self-hosted Bot API server or proxy.',
  ),
  TELEGRAM_WEBHOOK_URL: url('the public https URL Telegram should post updates to').describe(
    'Public https URL Telegram posts updates to (its path is served by Hearth); unset = long polling.',
  ),
  TELEGRAM_WEBHOOK_SECRET: z
    .preprocess(
      (v) => (v === '' ? undefined : v),
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,256}$/, { error: 'expected 1-256 characters A-Z, a-z, 0-9, _ or -' })
        .optional(),
    )
    .describe('Secret Telegram sends with every webhook call; required with TELEGRAM_WEBHOOK_URL.'),
};

/** Telegram through telegraf: long polling by default, a webhook when TELEGRAM_WEBHOOK_URL is set. */
export const telegram = defineAdapter({
  platform: 'telegram',
  displayName: 'Telegram',
  settings: TELEGRAM_SETTINGS,
  credentials: ['TELEGRAM_BOT_TOKEN'],
  capabilities: TELEGRAM_CAPABILITIES,
  async create(settings, log) {
    const { TelegramAdapter } = await import('./index.ts');
    return new TelegramAdapter({
      token: settings.TELEGRAM_BOT_TOKEN ?? '',
      log,
      ...(settings.TELEGRAM_API_ROOT ? { apiRoot: settings.TELEGRAM_API_ROOT } : {}),
      ...(settings.TELEGRAM_WEBHOOK_URL
        ? {
            webhook: {
              url: settings.TELEGRAM_WEBHOOK_URL,
              ...(settings.TELEGRAM_WEBHOOK_SECRET ? { secret: settings.TELEGRAM_WEBHOOK_SECRET } : {}),
            },
          }
        : {}),
    });
  },
});
