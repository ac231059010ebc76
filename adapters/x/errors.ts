import type { IncomingHttpHeaders } from 'node:http';
import { ApiResponseError } from 'twitter-api-v2';
import { PermanentError, RateLimitedError, TransientError } from '../../src/core/errors.ts';

/** What to change when X refuses the app DM access (one clear line for the log and the owners). */
export const DM_PERMISSION_HINT =
  'X: the app may not read or send Direct Messages. In the developer portal set the app permission to "Read, write, and Direct Messages" (User authentication settings), then regenerate the access token and secret and restart Hearth';

const header = (headers: IncomingHttpHeaders | undefined, name: string): string | undefined => {
  const value = headers?.[name];
  return typeof value === 'string' ? value : undefined;
};

/**
 * Milliseconds until an X reset time (`x-rate-limit-reset`, epoch seconds), measured against the
 * answer's own `date` header when it has one (so a skewed local clock does not matter).
 */
export function msUntilReset(
  headers: IncomingHttpHeaders | undefined,
  resetHeader: string,
  now = Date.now(),
): number | undefined {
  const reset = Number(header(headers, resetHeader));
  if (!Number.isFinite(reset) || reset <= 0) return undefined;
  const date = Date.parse(header(headers, 'date') ?? '');
  const serverNow = Number.isFinite(date) ? date : now;
  return Math.max(0, reset * 1000 - serverNow);
}

/** The problem's words of an X error (title, detail, v1 messages), for messages and classification. */
export function xDescription(error: ApiResponseError): string {
  const data = error.data as
    | { title?: unknown; detail?: unknown; type?: unknown; errors?: unknown }
    | undefined;
  const parts = [data?.title, data?.detail].filter((p): p is string => typeof p === 'string');
  if (Array.isArray(data?.errors)) {
    for (const item of data.errors as { message?: unknown; code?: unknown }[]) {
      if (typeof item?.message === 'string') parts.push(item.message);
    }
  }
  return parts.length ? [...new Set(parts)].join(': ') : `HTTP ${error.code}`;
}

/** A 403 that means the app (not the recipient) lacks DM access: code 93 or a client-forbidden problem. */
export function isAppPermissionError(error: unknown): boolean {
  if (!(error instanceof ApiResponseError) || error.code !== 403) return false;
  const type = String((error.data as { type?: unknown } | undefined)?.type ?? '');
  return (
    error.hasErrorCode(93) ||
    type.endsWith('/client-forbidden') ||
    type.endsWith('/unsupported-authentication')
  );
}

/**
 * v1-era codes of a 403 about the recipient: not following (150), unable to send (151), DMs closed
 * to the account (214), cannot send to this user (349).
 */
const RECIPIENT_CODES = [150, 151, 214, 349];
/** v1-era codes of a 403 about the business account: suspended (64), automated (226), locked (326). */
const ACCOUNT_CODES = [64, 226, 326];
/** A 403's words that name the recipient (X's "You cannot send messages to this user."). */
const NAMES_RECIPIENT = /\b(this user|the recipient|recipient's|recipient is)\b/i;

/**
 * A 403 because of the business account itself (suspended, locked, flagged as automated): no
 * recipient is at fault, the owners must act.
 */
export function isAccountRestricted(error: unknown): error is ApiResponseError {
  return error instanceof ApiResponseError && error.code === 403 && error.hasErrorCode(...ACCOUNT_CODES);
}

/** A 403 that names the recipient (their DM settings, a block): they cannot be reached. */
function isRecipientRefusal(error: ApiResponseError): boolean {
  return error.hasErrorCode(...RECIPIENT_CODES) || NAMES_RECIPIENT.test(xDescription(error));
}

/** The token was refused (revoked, regenerated, mistyped). */
export function isAuthError(error: unknown): boolean {
  return error instanceof ApiResponseError && error.code === 401;
}

/**
 * A failure after which X may or may not have sent the DM (a timeout, a cut connection, a 5xx):
 * before sending again the adapter looks at the conversation (X has no idempotency key).
 */
export function isAmbiguous(error: unknown): boolean {
  if (error instanceof ApiResponseError) return error.code >= 500;
  return !(error instanceof PermanentError || error instanceof RateLimitedError);
}

/**
 * Maps what twitter-api-v2 throws to the core's errors:
 * - 429 (rate limit or usage cap) → RateLimitedError for the whole account, until the reset X gives
 *   (the 24-hour reset when the daily quota is used up; one minute when no header says);
 * - 403 about the recipient (codes 150, 151, 214, 349 or words naming them) → PermanentError with
 *   `recipientGone`; about the business account (64, 226, 326) → TransientError (the owners are
 *   told; it may pass); a missing app permission or any other 403 → PermanentError, recipient kept;
 * - 401 → TransientError (the owners are told; once the token is fixed it works again);
 * - other 4xx → PermanentError, not retried; 5xx and network failures → TransientError.
 */
export function toCoreError(error: unknown): Error {
  if (
    error instanceof RateLimitedError ||
    error instanceof PermanentError ||
    error instanceof TransientError
  ) {
    return error;
  }
  if (error instanceof ApiResponseError) {
    const description = xDescription(error);
    if (error.code === 429) {
      const daily = header(error.headers, 'x-user-limit-24hour-remaining') === '0';
      const wait =
        (daily ? msUntilReset(error.headers, 'x-user-limit-24hour-reset') : undefined) ??
        msUntilReset(error.headers, 'x-rate-limit-reset') ??
        60_000;
      return new RateLimitedError(
        wait,
        `x: ${description}${daily ? ' (24-hour DM quota used up)' : ''}`,
        'account',
      );
    }
    if (error.code === 403) {
      if (isAppPermissionError(error)) return new PermanentError(`${DM_PERMISSION_HINT} (${description})`);
      if (isAccountRestricted(error))
        return new TransientError(`x: the business account may not send DMs now: ${description}`);
      if (isRecipientRefusal(error))
        return new PermanentError(`x: recipient cannot receive DMs from this account: ${description}`, true);
      return new PermanentError(`x: X refused the DM (403): ${description}`);
    }
    if (error.code === 401)
      return new TransientError(`x: the access token was refused (401): ${description}`);
    if (error.code >= 400 && error.code < 500) return new PermanentError(`x: ${description}`);
    return new TransientError(`x: ${description}`);
  }
  return new TransientError(`x: ${error instanceof Error ? error.message : String(error)}`);
}
