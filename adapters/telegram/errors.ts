import { TelegramError } from 'telegraf';
import { PermanentError, RateLimitedError, TransientError } from '../../src/core/errors.ts';

/**
 * The bot token is part of every Bot API URL (`/bot<token>/sendMessage`), and network errors quote
 * the URL: it is cut out of every message that leaves the adapter (logs, the outbox's lastError,
 * failure reports to owners).
 */
export function withoutToken(message: string): string {
  return message.replace(/\/bot[^/\s"']+/g, '/bot<token>');
}

/** Telegram's description of an error, lower case ('' when the error is not from the Bot API). */
export function telegramDescription(error: unknown): string {
  return error instanceof TelegramError ? String(error.description ?? '').toLowerCase() : '';
}

/**
 * Maps what telegraf throws to the core's errors:
 * - 429 → RateLimitedError after exactly `retry_after` seconds;
 * - 403 (blocked by the user, user deactivated, bot kicked from the group, can't initiate a
 *   conversation) → PermanentError with `recipientGone`: Hearth can no longer write to that chat;
 * - other 4xx ("chat not found", bad request) → PermanentError: resending the same call won't help;
 * - 5xx, 401 (token revoked or mistyped: fix the configuration, then it works) and network
 *   failures → TransientError (retried with backoff).
 */
export function toCoreError(error: unknown): Error {
  if (error instanceof TelegramError) {
    const code = error.code;
    const description = String(error.description ?? `error ${code}`);
    if (code === 429) {
      const seconds = Number(error.parameters?.retry_after ?? 1);
      return new RateLimitedError(Math.max(0, seconds) * 1000, `telegram: ${description}`);
    }
    if (code === 403) return new PermanentError(`telegram: ${description}`, true);
    if (code === 401 || code >= 500) return new TransientError(`telegram: ${description}`);
    if (code >= 400) {
      const migrated = error.parameters?.migrate_to_chat_id;
      const hint = migrated ? ` (the group is now supergroup ${migrated})` : '';
      return new PermanentError(`telegram: ${description}${hint}`);
    }
    return new TransientError(`telegram: ${description}`);
  }
  if (
    error instanceof RateLimitedError ||
    error instanceof PermanentError ||
    error instanceof TransientError
  ) {
    return error;
  }
  // node-fetch FetchError (ECONNREFUSED, ECONNRESET, timeouts) and anything unexpected: try again later.
  const message = error instanceof Error ? error.message : String(error);
  return new TransientError(`telegram: ${withoutToken(message)}`);
}
