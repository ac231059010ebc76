import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADAPTER_SETTINGS, ADAPTERS, createAdapters } from '../../adapters/registry.ts';
import { SlackAdapter } from '../../adapters/slack/index.ts';
import { TelegramAdapter } from '../../adapters/telegram/index.ts';
import { CORE_VARIABLES, ConfigError } from '../../src/config.ts';
import { settingsHelp } from '../../src/core/adapter-module.ts';
import { PLATFORMS } from '../../src/core/events.ts';
import { adapterContext } from '../support/adapter-context.ts';
import { testConfig } from '../support/hearth.ts';
import { CapturingLogger } from '../support/logger.ts';
import { BOT_TOKEN } from '../telegram/updates.ts';

const create = (env: Record<string, string>, log = new CapturingLogger()) =>
  createAdapters(testConfig(env), env, log);

describe('the adapter registry', () => {
  it('lists each platform once, every customer platform but the console', () => {
    const platforms = ADAPTERS.map((a) => a.platform);
    expect(new Set(platforms).size).toBe(platforms.length);
    expect([...platforms].sort()).toEqual(PLATFORMS.filter((p) => p !== 'console').sort());
  });

  it('gives every setting of every adapter help text, and no name twice', () => {
    const names = [...CORE_VARIABLES, ...ADAPTER_SETTINGS.flatMap((s) => Object.keys(s))];
    expect(new Set(names).size).toBe(names.length);
    for (const settings of ADAPTER_SETTINGS) {
      for (const [name, help] of Object.entries(settingsHelp(settings))) {
        expect(help, `${name} has help text`).toMatch(/\w{3,}/);
      }
    }
  });

  it('.env.example documents exactly the core and adapter variables', () => {
    const documented = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8')
      .split('\n')
      .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined);
    const expected = [...CORE_VARIABLES, ...ADAPTER_SETTINGS.flatMap((s) => Object.keys(s))];
    expect([...documented].sort()).toEqual([...expected].sort());
  });

  it('validates adapter settings with the core ones and names each bad variable', () => {
    expect(() => testConfig({ TELEGRAM_WEBHOOK_SECRET: 'no spaces allowed', PORT: 'x' })).toThrow(
      ConfigError,
    );
    expect(() => testConfig({ TELEGRAM_WEBHOOK_SECRET: 'no spaces allowed' })).toThrow(
      /TELEGRAM_WEBHOOK_SECRET: expected 1-256 characters/,
    );
    expect(() => testConfig({ SLACK_API_URL: 'not a url' })).toThrow(/SLACK_API_URL/);
  });

  it('starts a real adapter only when its credentials are set (the console stands in otherwise)', async () => {
    const log = new CapturingLogger();
    const withToken = await create({ TELEGRAM_BOT_TOKEN: BOT_TOKEN }, log);
    expect(withToken.filter((a) => a.platform === 'telegram')).toEqual([expect.any(TelegramAdapter)]);
    const without = await create({}, log);
    expect(without.find((a) => a.platform === 'telegram')).not.toBeInstanceOf(TelegramAdapter);
    expect(log.find('info', 'telegram: not configured')).toHaveLength(1);
    const slack = await create({ SLACK_BOT_TOKEN: 'xoxb', SLACK_SIGNING_SECRET: 's' });
    expect(slack.filter((a) => a.platform === 'slack')).toEqual([expect.any(SlackAdapter)]);
    const socket = await create({
      SLACK_BOT_TOKEN: 'xoxb',
      SLACK_APP_TOKEN: 'xapp',
      SLACK_SIGNING_SECRET: 's',
    });
    expect((socket.find((a) => a.platform === 'slack') as SlackAdapter).mode).toBe('socket');
  });

  it('stops start-up with a clear message when an adapter settings cannot work together', async () => {
    await expect(create({ SLACK_BOT_TOKEN: 'xoxb' })).rejects.toThrow(ConfigError);
    await expect(create({ SLACK_BOT_TOKEN: 'xoxb' })).rejects.toThrow(
      /Slack: Slack needs SLACK_SIGNING_SECRET \(HTTP mode\) or SLACK_APP_TOKEN/,
    );
  });

  it('without the console, only real adapters run', async () => {
    const env = { CONSOLE_ENABLED: 'false', TELEGRAM_BOT_TOKEN: BOT_TOKEN };
    const adapters = await create(env);
    expect(adapters.map((a) => a.platform)).toEqual(['telegram']);
  });

  it('refuses to start a Telegram webhook without a secret token, with a clear message', async () => {
    const env = { TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_WEBHOOK_URL: 'https://hearth.example/tg' };
    const adapter = (await create(env)).find((a) => a.platform === 'telegram');
    await expect(
      adapter?.start(adapterContext(async () => ({ handled: true, enqueued: 0 }))),
    ).rejects.toThrow(/TELEGRAM_WEBHOOK_SECRET is not/);
  });
});
