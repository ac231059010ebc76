import { type REST, Routes } from 'discord.js';
import type { Logger } from '../../src/core/log.ts';
import { withRetries } from '../retry.ts';
import {
  ALREADY_ACKNOWLEDGED,
  discordCode,
  discordRetryAfterMs,
  isTransient,
  toCoreError,
} from './errors.ts';
import type { InteractionToAck } from './normalize.ts';

/** Acknowledging keeps trying this long: Discord drops an interaction not acknowledged within 3 s. */
const ACK_WINDOW_MS = 2_500;
/** Waits between acknowledgement attempts (ms, the last one repeats; a 429's Retry-After wins). */
const ACK_WAITS_MS = [100, 200, 400, 800];

/**
 * Acknowledges an interaction: a deferred answer (ephemeral when the command is) or update. A 5xx, a
 * 429 (after its Retry-After) or no answer is tried again within 2.5 s. True once acknowledged;
 * false when it failed, and the answer then goes without the token (send.ts).
 */
export function acknowledgeInteraction(
  rest: REST,
  interaction: InteractionToAck,
  log: Logger,
): Promise<boolean> {
  const body =
    interaction.kind === 'command'
      ? { type: 5, ...(interaction.ephemeral ? { data: { flags: 64 } } : {}) }
      : { type: 6 };
  const route = Routes.interactionCallback(interaction.id, interaction.token);
  return withRetries(
    (remainingMs) =>
      rest.post(route, {
        body,
        auth: false,
        signal: AbortSignal.timeout(Math.max(1, Math.floor(remainingMs))),
      }),
    {
      waitsMs: ACK_WAITS_MS,
      withinMs: ACK_WINDOW_MS,
      retryable: isTransient,
      retryAfterMs: discordRetryAfterMs,
      onRetry: (error, waitMs) =>
        log.info({ err: toCoreError(error) }, `discord: acknowledgement failed; again in ${waitMs} ms`),
    },
  ).then(
    () => true,
    (error: unknown) => {
      // An earlier attempt that seemed lost did reach Discord.
      if (discordCode(error) === ALREADY_ACKNOWLEDGED) return true;
      log.warn(
        { err: toCoreError(error) },
        'discord: interaction not acknowledged; its answer goes without the token',
      );
      return false;
    },
  );
}
