import { describe, expect, it } from 'vitest';
import { packagesLoadedBy, projectModule } from '../support/loaded-packages.ts';

/** The SDK packages a fresh process has loaded after creating its adapters for `env`. */
function sdksLoadedWith(env: Record<string, string>): string[] {
  const body = `
    import { ADAPTER_SETTINGS, createAdapters } from ${projectModule('adapters/registry.ts')};
    import { loadConfig } from ${projectModule('src/config.ts')};
    import { createLogger } from ${projectModule('src/logger.ts')};
    const env = ${JSON.stringify(env)};
    await createAdapters(loadConfig(env, ADAPTER_SETTINGS), env, createLogger('silent'));`;
  return packagesLoadedBy(body, ['telegraf', '@slack/bolt', 'discord.js', 'twitter-api-v2']);
}

describe('platform SDKs are loaded only for configured platforms', () => {
  it('loads none without credentials (the console simulates every platform)', () => {
    expect(sdksLoadedWith({})).toEqual([]);
  });

  it("loads a configured platform's SDK, and only that one", () => {
    expect(sdksLoadedWith({ TELEGRAM_BOT_TOKEN: '123:abc' })).toEqual(['telegraf']);
    expect(sdksLoadedWith({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret' })).toEqual([
      '@slack/bolt',
    ]);
  });
});
