/** Slack Web API errors → Hearth's core errors (the delivery worker decides retries from these). */
import { webApi } from '@slack/bolt';
import { PermanentError, RateLimitedError, TransientError } from '../../src/core/errors.ts';

/** Platform errors that mean the chat can no longer be reached. */
const RECIPIENT_GONE = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'account_inactive',
  'user_not_found',
  'user_disabled',
  'cannot_dm_bot',
]);

interface SlackErrorShape {
  code?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string };
  message?: string;
}

/** Maps what @slack/web-api threw to RateLimitedError, PermanentError or TransientError. */
export function toCoreError(error: unknown): Error {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SlackErrorShape;
  const { ErrorCode } = webApi;
  switch (e.code) {
    case ErrorCode.RateLimitedError:
      return new RateLimitedError(
        Math.max(0, (e.retryAfter ?? 1) * 1000),
        `slack rate limited (${e.retryAfter ?? 1} s)`,
      );
    case ErrorCode.PlatformError: {
      const reason = e.data?.error ?? 'unknown_error';
      if (reason === 'ratelimited') return new RateLimitedError(1000, 'slack rate limited');
      if (reason === 'internal_error' || reason === 'fatal_error' || reason === 'service_unavailable') {
        return new TransientError(`slack: ${reason}`);
      }
      return new PermanentError(`slack: ${reason}`, RECIPIENT_GONE.has(reason));
    }
    case ErrorCode.HTTPError: {
      const status = e.statusCode ?? 0;
      if (status >= 500 || status === 408) return new TransientError(`slack: HTTP ${status}`);
      return new PermanentError(`slack: HTTP ${status}`);
    }
    case ErrorCode.RequestError:
      return new TransientError(`slack: network error: ${e.message ?? ''}`);
    default:
      return new TransientError(`slack: ${e.message ?? String(error)}`);
  }
}

/** True when Slack answered that the bot cannot post in that channel (so a response_url may still reach the user). */
export function isChannelUnreachable(error: Error): boolean {
  return (
    error instanceof PermanentError && /channel_not_found|not_in_channel|is_archived/.test(error.message)
  );
}
