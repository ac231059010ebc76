import type { Config } from '../src/config.ts';
import type { PlatformAdapter } from '../src/core/adapter.ts';
import { PLATFORMS, type Platform } from '../src/core/events.ts';
import type { Logger } from '../src/core/log.ts';
import { ConsoleHub, createConsoleAdapters } from './console/index.ts';
import { createSlackAdapter } from './slack/index.ts';
import { createTelegramAdapter } from './telegram/index.ts';

/** A real platform adapter, created only when its credentials are configured. */
export interface AdapterFactory {
  platform: Platform;
  /** Null when the platform is not configured. */
  create(config: Config, log: Logger): PlatformAdapter | null;
}

/** Real platform adapters; each platform's issue adds its factory here. */
export const ADAPTER_FACTORIES: AdapterFactory[] = [
  // Slack: SLACK_BOT_TOKEN plus SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode).
  { platform: 'slack', create: (config, log) => createSlackAdapter(config, log) },
  // Telegram: TELEGRAM_BOT_TOKEN; long polling, or a webhook when TELEGRAM_WEBHOOK_URL is set.
  { platform: 'telegram', create: (config, log) => createTelegramAdapter(config, log) },
];

/**
 * Credentials of platforms that may have no adapter (factory) yet: set for one that has none, they
 * are reported at start instead of being silently ignored.
 */
const CREDENTIALS: { platform: Platform; name: string; variables: (keyof Config)[] }[] = [
  { platform: 'discord', name: 'Discord', variables: ['DISCORD_BOT_TOKEN'] },
  {
    platform: 'twitter',
    name: 'X',
    variables: ['X_APP_KEY', 'X_APP_SECRET', 'X_ACCESS_TOKEN', 'X_ACCESS_SECRET'],
  },
];

/**
 * The adapters for this configuration: real ones whose credentials are present, and the local
 * console simulating every other platform (so Hearth can be tried with no token at all).
 */
export function createAdapters(config: Config, log: Logger, hub = new ConsoleHub()): PlatformAdapter[] {
  const real: PlatformAdapter[] = [];
  for (const factory of ADAPTER_FACTORIES) {
    const adapter = factory.create(config, log.child({ platform: factory.platform }));
    if (adapter) real.push(adapter);
    else log.info(`${factory.platform}: not configured (no credentials), not started`);
  }
  for (const { platform, name, variables } of CREDENTIALS) {
    if (ADAPTER_FACTORIES.some((factory) => factory.platform === platform)) continue;
    const set = variables.filter((variable) => config[variable] !== undefined);
    if (set.length === 0) continue;
    log.warn(
      { platform, variables: set },
      `${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set, but Hearth has no ${name} adapter yet: ${name} is not connected${config.CONSOLE_ENABLED ? ' (the local console simulates it)' : ''}`,
    );
  }
  if (!config.CONSOLE_ENABLED) return real;
  const served = new Set(real.map((a) => a.platform));
  const simulated = PLATFORMS.filter((p) => !served.has(p));
  log.info(
    { real: [...served], simulated },
    `real adapters: ${[...served].join(', ') || 'none'}; the local console simulates: ${simulated.join(', ')}`,
  );
  return [...real, ...createConsoleAdapters(simulated, hub)];
}
