import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * The SDK packages (CommonJS, so they land in Node's module cache) that a fresh process has loaded
 * after creating its adapters for `env`. A process of its own, because the test runner's module cache
 * is shared with other test files.
 */
function sdksLoadedWith(env: Record<string, string>): string[] {
  const script = `
    import { createRequire } from 'node:module';
    import { ADAPTER_SETTINGS, createAdapters } from './adapters/registry.ts';
    import { loadConfig } from './src/config.ts';
    import { createLogger } from './src/logger.ts';
    const env = ${JSON.stringify(env)};
    await createAdapters(loadConfig(env, ADAPTER_SETTINGS), env, createLogger('silent'));
    const cache = Object.keys(createRequire(import.meta.url).cache);
    const sdks = ['telegraf', '@slack/bolt', 'discord.js', 'twitter-api-v2'];
    console.log(JSON.stringify(sdks.filter((sdk) => cache.some((path) => path.includes('/node_modules/' + sdk + '/')))));
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '[]') as string[];
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
