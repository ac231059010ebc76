import { type Config, ConfigError } from '../src/config.ts';
import type { PlatformAdapter } from '../src/core/adapter.ts';
import type { Environment, RegisteredAdapter } from '../src/core/adapter-module.ts';
import { PLATFORMS } from '../src/core/events.ts';
import type { Logger } from '../src/core/log.ts';
import { ConsoleHub, createConsoleAdapters } from './console/index.ts';
import { discord } from './discord/module.ts';
import { slack } from './slack/module.ts';
import { telegram } from './telegram/module.ts';
import { x } from './x/module.ts';

/** Every platform adapter Hearth has: one line each (adding a platform: docs/adapters.md). */
export const ADAPTERS: readonly RegisteredAdapter[] = [slack, telegram, discord, x];

/** The settings (environment variables) of every adapter, for loadConfig and `.env.example`. */
export const ADAPTER_SETTINGS = ADAPTERS.map((adapter) => adapter.settings);

/**
 * The adapters for this environment: real ones whose credentials are set, and the local console
 * simulating every other platform (so Hearth can be tried with no token at all). A real adapter
 * whose settings cannot work together stops start-up with its message.
 */
export async function createAdapters(
  config: Config,
  env: Environment,
  log: Logger,
  hub = new ConsoleHub(),
): Promise<PlatformAdapter[]> {
  const real: PlatformAdapter[] = [];
  for (const module of ADAPTERS) {
    if (!module.configured(env)) {
      log.info(`${module.platform}: not configured (no credentials), not started`);
      continue;
    }
    const adapter = await module.create(env, log.child({ platform: module.platform })).catch((error) => {
      throw new ConfigError(
        `${module.displayName}: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    if (adapter) real.push(adapter);
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
