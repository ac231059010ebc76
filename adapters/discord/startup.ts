import { type REST, Routes } from 'discord.js';
import type { AdapterContext } from '../../src/core/adapter.ts';
import type { AdapterState } from '../../src/core/adapter-state.ts';
import type { Logger } from '../../src/core/log.ts';
import { withRetries } from '../retry.ts';
import { registerCommands } from './commands.ts';
import { discordRetryAfterMs, isRefusal, isTransient, toCoreError } from './errors.ts';

/** Waits between start-up calls Discord did not answer (5xx, network): ms, the last one repeats. */
export const STARTUP_WAITS_MS = [250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000];

/**
 * A start-up call, tried again until Discord answers it: a 5xx, a 429 (after its Retry-After) and no
 * answer are waited out; a refused token or access (401/403) fails at once.
 */
export function askAtStart<T>(
  what: string,
  call: () => Promise<T>,
  options: { signal: AbortSignal; log: Logger },
): Promise<T> {
  return withRetries(call, {
    waitsMs: STARTUP_WAITS_MS,
    signal: options.signal,
    retryable: (error) => !isRefusal(error),
    retryAfterMs: discordRetryAfterMs,
    onRetry: (error, waitMs) =>
      options.log.warn(
        { err: toCoreError(error) },
        `discord: ${what} failed at start-up; again in ${waitMs} ms`,
      ),
  });
}

/** The business's topics for /subscribe's choices (none when they cannot be read: free text). */
export async function topicsFor(context: AdapterContext, log: Logger): Promise<string[]> {
  try {
    return (await context.topics?.()) ?? [];
  } catch (error) {
    log.warn({ err: error }, 'discord: topics not read; /subscribe takes its topic as free text');
    return [];
  }
}

/**
 * Slash commands by bulk overwrite when their set changed (in the server of DISCORD_GUILD_ID, or
 * global). A 5xx, a 429 or no answer is waited out; any other refusal waits for the next start.
 */
export async function registerSlashCommands(options: {
  rest: REST;
  applicationId: string;
  guildId: string | undefined;
  state: AdapterState;
  topics: string[];
  log: Logger;
  signal: AbortSignal;
}): Promise<void> {
  const { rest, applicationId, guildId, state, topics, log, signal } = options;
  const route = guildId
    ? Routes.applicationGuildCommands(applicationId, guildId)
    : Routes.applicationCommands(applicationId);
  try {
    const changed = await withRetries(
      () => registerCommands({ state, guildId, topics, put: (body) => rest.put(route, { body, signal }) }),
      {
        waitsMs: STARTUP_WAITS_MS,
        signal,
        retryable: isTransient,
        retryAfterMs: discordRetryAfterMs,
        onRetry: (error, waitMs) =>
          log.warn(
            { err: toCoreError(error) },
            `discord: slash commands not registered yet; again in ${waitMs} ms`,
          ),
      },
    );
    if (changed)
      log.info(
        guildId
          ? `discord: slash commands registered in server ${guildId}`
          : 'discord: slash commands registered globally',
      );
  } catch (error) {
    if (signal.aborted) return;
    log.warn(
      { err: toCoreError(error) },
      'discord: slash commands not registered (tried again at the next start)',
    );
  }
}
