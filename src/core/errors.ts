/** Errors with a meaning for the core. Adapters translate SDK errors into these. */

/** Something the user should see in plain words (bad arguments, a refused command). */
export class UserFacingError extends Error {
  override readonly name = 'UserFacingError';
}

/**
 * What a 429 holds back: one chat, one route (a per-resource bucket; for a send that is its chat),
 * the whole account (every send of this adapter, e.g. X's per-account quota), or the platform's
 * global limit for this bot. `chat` and `route` pause that chat; `account` and `global` the platform.
 */
export type RateLimitScope = 'chat' | 'route' | 'account' | 'global';

/** The platform asked us to slow down: retry after `retryAfterMs`, not before. */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  constructor(
    readonly retryAfterMs: number,
    message = `rate limited, retry after ${retryAfterMs} ms`,
    readonly scope: RateLimitScope = 'chat',
  ) {
    super(message);
  }

  /** True when the whole platform (not one chat) must wait. */
  get pausesPlatform(): boolean {
    return this.scope === 'account' || this.scope === 'global';
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
