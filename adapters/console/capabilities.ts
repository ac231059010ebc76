import type { Capabilities } from '../../src/core/adapter.ts';
import type { Platform } from '../../src/core/events.ts';

const fast = { maxMessagesPerSecond: 1000, maxMessagesPerSecondPerChat: 1000 };

/**
 * What the console pretends each platform can do, so features render as they would there (a
 * native poll on Telegram, numbered replies on X). Send rates are generous: nothing leaves the machine.
 */
export const SIMULATED_CAPABILITIES: Record<Platform, Capabilities> = {
  console: {
    buttons: true,
    nativePolls: false,
    threads: false,
    editMessages: true,
    files: true,
    blocks: false,
    maxTextLength: 10_000,
    ...fast,
  },
  telegram: {
    buttons: true,
    nativePolls: true,
    nativePollsAnonymousInGroups: false,
    threads: true,
    editMessages: true,
    files: true,
    blocks: false,
    maxTextLength: 4096,
    ...fast,
  },
  discord: {
    buttons: true,
    nativePolls: true,
    threads: true,
    editMessages: true,
    files: true,
    blocks: false,
    maxTextLength: 2000,
    ...fast,
  },
  twitter: {
    buttons: false,
    nativePolls: false,
    threads: false,
    editMessages: false,
    files: false,
    blocks: false,
    maxTextLength: 10_000,
    ...fast,
  },
  slack: {
    buttons: true,
    nativePolls: false,
    threads: true,
    editMessages: true,
    files: true,
    blocks: true,
    maxTextLength: 40_000,
    ...fast,
  },
};
