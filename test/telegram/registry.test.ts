import { describe, expect, it } from 'vitest';
import { createAdapters } from '../../adapters/registry.ts';
import { TelegramAdapter } from '../../adapters/telegram/index.ts';
import { testConfig } from '../support/hearth.ts';
import { CapturingLogger } from '../support/logger.ts';
import { BOT_TOKEN } from './updates.ts';

describe('telegram adapter registration', () => {
  it('starts the real adapter only when TELEGRAM_BOT_TOKEN is set (the console stands in otherwise)', () => {
    const log = new CapturingLogger();
    const withToken = createAdapters(testConfig({ TELEGRAM_BOT_TOKEN: BOT_TOKEN }), log);
    expect(withToken.filter((a) => a.platform === 'telegram')).toEqual([expect.any(TelegramAdapter)]);
    const without = createAdapters(testConfig({}), log);
    expect(without.find((a) => a.platform === 'telegram')).not.toBeInstanceOf(TelegramAdapter);
    expect(log.find('info', 'telegram: not configured')).toHaveLength(1);
  });

  it('refuses to start a webhook without a secret token, with a clear message', async () => {
    const config = testConfig({
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_WEBHOOK_URL: 'https://hearth.example/tg',
    });
    const adapter = createAdapters(config, new CapturingLogger()).find((a) => a.platform === 'telegram');
    await expect(adapter?.start(async () => ({ handled: true, enqueued: 0 }))).rejects.toThrow(
      /TELEGRAM_WEBHOOK_SECRET is not/,
    );
  });
});
