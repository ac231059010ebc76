import { setTimeout as sleep } from 'node:timers/promises';
import type { Telegraf } from 'telegraf';
import { PermanentError, RateLimitedError } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/log.ts';
import { toCoreError } from './errors.ts';

/** How long an answer of getChatMember is remembered. */
const ADMIN_TTL_MS = 60_000;
/** Answers remembered at most; all are forgotten beyond. */
const MAX_REMEMBERED = 5000;
/** Waits between attempts of a check Telegram failed for a while (5xx, 429, network). */
export const ADMIN_CHECK_RETRY_WAITS_MS: readonly number[] = [250, 1000, 2000];
/** Longest all retries of one check wait together (a 429 asking longer ends them at once). */
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
    let waited = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        const member = await this.telegram.getChatMember(chatId, userId);
        const admin = member.status === 'creator' || member.status === 'administrator';
        if (this.known.size >= MAX_REMEMBERED) this.known.clear();
        this.known.set(key, { admin, until: Date.now() + ADMIN_TTL_MS });
        return admin;
      } catch (error) {
        const failure = toCoreError(error);
        if (failure instanceof PermanentError) {
          this.log.warn({ err: failure, chatId, userId }, 'telegram: chat admin check refused; assuming not');
          return false;
        }
        // The SDK's own error, as it was (the logger redacts the token its URL quotes).
        this.log.warn(
          { err: error, chatId, userId, attempt: attempt + 1 },
          'telegram: could not check chat admin',
        );
        if (mode.throwTransient) throw failure;
        const wait = retryWait(failure, attempt, waited);
        if (wait === undefined || mode.stopping()) {
          this.log.warn(
            { err: failure, chatId, userId, attempts: attempt + 1 },
            'telegram: chat admin check given up; admin rights unknown',
          );
          return undefined;
        }
        await sleep(wait);
        waited += wait;
      }
    }
  }
}

/** How long to wait before attempt `attempt + 1` after `failure`, `waited` ms in; undefined: give up. */
function retryWait(failure: Error, attempt: number, waited: number): number | undefined {
  const planned = ADMIN_CHECK_RETRY_WAITS_MS[attempt];
  if (planned === undefined) return undefined;
  const wait = failure instanceof RateLimitedError ? Math.max(planned, failure.retryAfterMs) : planned;
  return waited + wait > MAX_RETRY_WAIT_MS ? undefined : wait;
}
