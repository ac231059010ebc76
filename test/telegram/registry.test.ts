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

  it('says so when Discord or X credentials are set, as those platforms have no adapter yet', () => {
    const log = new CapturingLogger();
    const adapters = createAdapters(
      testConfig({ DISCORD_BOT_TOKEN: 'd-token', X_APP_KEY: 'k', X_APP_SECRET: 's' }),
      log,
    );
    expect(log.find('warn', 'DISCORD_BOT_TOKEN is set, but Hearth has no Discord adapter yet')).toHaveLength(
      1,
    );
    expect(log.find('warn', 'X_APP_KEY, X_APP_SECRET are set, but Hearth has no X adapter yet')).toHaveLength(
      1,
    );
    expect(adapters.find((a) => a.platform === 'discord')).toBeDefined(); // the console's stand-in
    const quiet = new CapturingLogger();
    createAdapters(testConfig({}), quiet);
    expect(quiet.find('warn', 'adapter yet')).toHaveLength(0);
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
