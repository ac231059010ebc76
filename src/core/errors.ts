/** Errors with a meaning for the core. Adapters translate SDK errors into these. */

/** Something the user should see in plain words (bad arguments, a refused command). */
export class UserFacingError extends Error {
  override readonly name = 'UserFacingError';
}

/** The platform asked us to slow down: retry after `retryAfterMs`, not before. */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  constructor(
    readonly retryAfterMs: number,
    message = `rate limited, retry after ${retryAfterMs} ms`,
    readonly scope: 'global' | 'chat' = 'chat',
  ) {
    super(message);
  }
}

/** Will never succeed (chat not found, bot blocked): dead-letter, do not retry. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  constructor(
    message: string,
    /** The recipient can no longer be reached (blocked the bot, deactivated): unsubscribe them. */
    readonly recipientGone = false,
  ) {
    super(message);
  }
}

/** May succeed later (5xx, network): retry with backoff. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

/** Bad input from outside (a malformed payload): reject it with this message, keep running. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
