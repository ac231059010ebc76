import type { Capabilities } from '../../src/core/adapter.ts';
import type { Platform } from '../../src/core/events.ts';
import { discord } from '../discord/module.ts';
import { slack } from '../slack/module.ts';
import { telegram } from '../telegram/module.ts';
import { x } from '../x/module.ts';

/** The console's own send rate: nothing leaves the machine, so it is generous. */
const LOCAL_RATE = [{ scope: 'account', limit: 1000, windowMs: 1000 }] as const;

/** What the console renders as when it is not simulating another platform. */
const CONSOLE_CAPABILITIES: Capabilities = {
  buttons: true,
  nativePolls: false,
  threads: false,
  editMessages: true,
  files: true,
  blocks: false,
  maxTextLength: 10_000,
  rateLimits: LOCAL_RATE,
};

/**
 * What the console does when it simulates a platform: exactly what that platform's adapter declares
 * (a native poll on Telegram, numbered replies on X, 4,000-character pieces on Slack), except the
 * send rate: nothing leaves the machine.
 */
export const SIMULATED_CAPABILITIES: Record<Platform, Capabilities> = {
  console: CONSOLE_CAPABILITIES,
  telegram: { ...telegram.capabilities, rateLimits: LOCAL_RATE },
  discord: { ...discord.capabilities, rateLimits: LOCAL_RATE, replyHandles: false },
  x: { ...x.capabilities, rateLimits: LOCAL_RATE },
  slack: { ...slack.capabilities, rateLimits: LOCAL_RATE, replyHandles: false },
};
