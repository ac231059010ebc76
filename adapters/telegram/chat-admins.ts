import type { Telegraf } from 'telegraf';
import { PermanentError, RateLimitedError } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/log.ts';
import { withRetries } from '../retry.ts';
import { toCoreError } from './errors.ts';

/** How long an answer of getChatMember is remembered. */
const ADMIN_TTL_MS = 60_000;
/** Answers remembered at most; all are forgotten beyond. */
const MAX_REMEMBERED = 5000;
/** Waits between attempts of a check Telegram failed for a while (5xx, 429, network). */
export const ADMIN_CHECK_RETRY_WAITS_MS: readonly number[] = [250, 1000, 2000];
/** No retry of one check starts later than this after the first attempt (a 429 asking longer ends them). */
const MAX_RETRY_WAIT_MS = 5000;

/** How to react when Telegram cannot answer a check now. */
export interface AdminCheckMode {
  /** Throw the core's error at once (a webhook answers 500 and Telegram redelivers the update). */
  throwTransient: boolean;
  /** True once retrying is pointless (the adapter is stopping). */
  stopping(): boolean;
}

/** Whether users administer groups: getChatMember, each answer remembered for a minute. */
export class ChatAdmins {
  private readonly known = new Map<string, { admin: boolean; until: number }>();

  constructor(
    private readonly telegram: Telegraf['telegram'],
    private readonly log: Logger,
  ) {}

  /**
   * Whether `userId` administers `chatId`. A refusal of the check (a 4xx, e.g. the bot left the
   * group) means no. A temporary failure (5xx, 429, network) is not a no: it throws the core's
   * error with `throwTransient`; otherwise the check is tried again a few times (after at least a
   * 429's retry_after) and the answer is undefined, unknown, when Telegram still fails.
   */
  async isAdmin(chatId: number, userId: number, mode: AdminCheckMode): Promise<boolean | undefined> {
    const key = `${chatId}/${userId}`;
    const known = this.known.get(key);
    if (known && known.until > Date.now()) return known.admin;
    try {
      const admin = await withRetries(() => this.check(chatId, userId), {
        waitsMs: ADMIN_CHECK_RETRY_WAITS_MS,
        withinMs: MAX_RETRY_WAIT_MS,
        retryable: (failure) =>
          !(failure instanceof PermanentError) && !mode.throwTransient && !mode.stopping(),
        retryAfterMs: (failure) => (failure instanceof RateLimitedError ? failure.retryAfterMs : undefined),
      });
      if (this.known.size >= MAX_REMEMBERED) this.known.clear();
      this.known.set(key, { admin, until: Date.now() + ADMIN_TTL_MS });
      return admin;
    } catch (failure) {
      if (failure instanceof PermanentError) return false;
      if (mode.throwTransient) throw failure;
      this.log.warn(
        { err: failure, chatId, userId },
        'telegram: chat admin check given up; admin rights unknown',
      );
      return undefined;
    }
  }

  /** One getChatMember; a failure is logged with the SDK's own error and thrown as the core's. */
  private async check(chatId: number, userId: number): Promise<boolean> {
    try {
      const member = await this.telegram.getChatMember(chatId, userId);
      return member.status === 'creator' || member.status === 'administrator';
    } catch (error) {
      // The SDK's error as it was (the logger redacts the token its URL quotes).
      this.log.warn({ err: error, chatId, userId }, 'telegram: could not check chat admin');
      throw toCoreError(error);
    }
  }
}
