import { z } from 'zod';
import type { Capabilities, PlatformAdapter } from './adapter.ts';
import type { Platform } from './events.ts';
import type { Logger } from './log.ts';

/** The environment as adapters read it. */
export type Environment = Record<string, string | undefined>;

/**
 * Everything Hearth needs to know of one platform adapter, declared in its folder
 * (adapters/NAME/module.ts) and listed once in adapters/registry.ts: its settings (environment
 * variables with validation and help text), its capabilities (the console simulates the platform
 * with these), and how to create it. Creating loads the SDK, so an unconfigured platform costs
 * nothing.
 */
export interface AdapterModule<S extends z.ZodRawShape = z.ZodRawShape> {
  platform: Platform;
  /** How people call the platform ("Telegram", "X"). */
  displayName: string;
  /** Its environment variables; `.describe()` gives each its help text. */
  settings: S;
  /** Variables whose presence means "connect this platform" (credentials). */
  credentials: readonly (keyof S & string)[];
  capabilities: Capabilities;
  /**
   * The adapter for these settings. Throws when they cannot work together (start-up stops with the
   * message); null when the platform cannot be connected and it said why in the log.
   */
  create(settings: z.output<z.ZodObject<S>>, log: Logger): Promise<PlatformAdapter | null>;
}

/** An adapter module with its settings' type erased, as the registry lists them. */
export interface RegisteredAdapter {
  platform: Platform;
  displayName: string;
  settings: z.ZodRawShape;
  capabilities: Capabilities;
  /** True when any of its credentials is set in `env`. */
  configured(env: Environment): boolean;
  /** Parses its settings from `env` and creates the adapter (see AdapterModule.create). */
  create(env: Environment, log: Logger): Promise<PlatformAdapter | null>;
}

/** Declares an adapter module; its settings are parsed from the environment with its own schema. */
export function defineAdapter<S extends z.ZodRawShape>(module: AdapterModule<S>): RegisteredAdapter {
  const schema = z.object(module.settings);
  return {
    platform: module.platform,
    displayName: module.displayName,
    settings: module.settings,
    capabilities: module.capabilities,
    configured: (env) => module.credentials.some((name) => (env[name] ?? '') !== ''),
    create: (env, log) => module.create(schema.parse(env), log),
  };
}

/** The help text of each setting (`.describe()`), by variable name. */
export function settingsHelp(settings: z.ZodRawShape): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(settings).map(([name, type]) => [name, z.globalRegistry.get(type)?.description]),
  );
}
