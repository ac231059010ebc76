import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';
import {
  PermanentError,
  RateLimitedError,
  type RateLimitScope,
  TransientError,
} from '../../src/core/errors.ts';

/**
 * Error codes that mean this recipient cannot be written to (discord-x.md A4): a member (unsubscribed)
 * or a community channel the bot lost (deactivated).
 */
export const RECIPIENT_GONE_CODES = new Set([
  50007, // Cannot send messages to this user (DMs closed, bot blocked)
  50278, // No mutual guilds
  50001, // Missing access (the bot can no longer see the channel)
  50013, // Missing permissions (it may no longer post there)
  10003, // Unknown channel (deleted)
]);

/** Poll codes that mean the poll is already over (closing it again is a success). */
export const POLL_ALREADY_CLOSED = new Set([520001]);

/**
 * Codes of an answer through an interaction token that Discord no longer knows: the interaction was
 * never acknowledged, its token expired, or its deferred message is gone. The answer goes without it.
 */
export const TOKEN_GONE_CODES = new Set([
  10015, // Unknown Webhook
  10062, // Unknown interaction
  10008, // Unknown Message
  50027, // Invalid Webhook Token
]);

/** The interaction was acknowledged already: an earlier attempt reached Discord. */
export const ALREADY_ACKNOWLEDGED = 40060;

/** Discord's JSON error code of an error, if it is an API error. */
export function discordCode(error: unknown): number | undefined {
  return error instanceof DiscordAPIError && typeof error.code === 'number' ? error.code : undefined;
}

/** The HTTP status behind an error, when it came from Discord (a RateLimitError is a 429). */
export function discordStatus(error: unknown): number | undefined {
  if (error instanceof RateLimitError) return 429;
  if (error instanceof DiscordAPIError || error instanceof HTTPError) return error.status;
  return undefined;
}

/** A failure that may pass by itself: no answer (network, time-out), a 5xx, a 408 or a 429. */
export function isTransient(error: unknown): boolean {
  const status = discordStatus(error);
  return status === undefined || status >= 500 || status === 408 || status === 429;
}

/** Discord refused the bot itself: its token (401) or its access (403). Asking again cannot help. */
export function isRefusal(error: unknown): boolean {
  const status = discordStatus(error);
  return status === 401 || status === 403;
}

/**
 * Maps what discord.js throws to the core's errors:
 * - RateLimitError (rejectOnRateLimit: the outbox owns every wait) → RateLimitedError after
 *   `retryAfter` (the REST offset is 0): `global` pauses the platform, a per-route bucket the chat;
 * - 50007 / 50278 → PermanentError with recipientGone (unsubscribe, never retry);
 * - other 4xx (missing access, unknown channel, bad request) → PermanentError;
 * - 401 (token revoked: fix the configuration), 5xx and network errors → TransientError.
 */
export function toCoreError(error: unknown): Error {
  if (error instanceof RateLimitError) {
    const scope: RateLimitScope = error.global ? 'global' : 'route';
    return new RateLimitedError(
      Math.max(0, error.retryAfter),
      `discord: rate limited on ${error.route} (${error.scope}), retry after ${error.retryAfter} ms`,
      scope,
    );
  }
  if (error instanceof DiscordAPIError) {
    const code = typeof error.code === 'number' ? error.code : 0;
    const text = `discord: ${error.status} ${error.message} (code ${code}) on ${error.method} ${routeOf(error.url)}`;
    if (RECIPIENT_GONE_CODES.has(code)) return new PermanentError(text, true);
    if (error.status === 401 || error.status >= 500) return new TransientError(text);
    if (error.status === 429) return new RateLimitedError(1000, text, 'route');
    return new PermanentError(text);
  }
  if (error instanceof HTTPError) return new TransientError(`discord: ${error.status} ${error.message}`);
  if (error instanceof RateLimitedError || error instanceof PermanentError || error instanceof TransientError)
    return error;
  return new TransientError(`discord: ${error instanceof Error ? error.message : String(error)}`);
}

/** The path of a request URL, without interaction or webhook tokens. */
function routeOf(url: string): string {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {}
  return path.replace(/\/(interactions\/\d+|webhooks\/\d+)\/[^/]+/g, '/$1/<token>');
}

/** The wait a discord.js rate-limit failure asks for, in ms (for withRetries). */
export function discordRetryAfterMs(error: unknown): number | undefined {
  return error instanceof RateLimitError ? error.retryAfter : undefined;
}
