import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Capabilities } from '../core/adapter.ts';
import type { Platform } from '../core/events.ts';

/** Seconds over which per-chat limits are measured: allows short bursts at the average rate. */
const CHAT_WINDOW_SECONDS = 3;

/**
 * The platform window is this much longer than a second: a send leaves some milliseconds after its
 * slot (event loop, connection pool) and that jitter must not squeeze two windows' sends into one
 * of the platform's seconds, which it answers with 429 and a pause of a whole second.
 */
const PLATFORM_WINDOW_MS = 1025;

/** A send slot: granted (send after `delayMs`), or refused for `waitMs`. */
export type Slot = { granted: true; delayMs: number } | { granted: false; waitMs: number };

/**
 * Per-platform and per-chat send limits in front of every send (rate-limiter-flexible). Non-blocking:
 * `acquire` answers how long to wait instead of waiting, so the worker can move on to other chats.
 * A platform's 429 pauses that platform (or chat) for exactly the time it asked.
 */
export class SendRateLimiter {
  private readonly platformLimiters = new Map<Platform, SlidingWindow>();
  private readonly chatLimiters = new Map<Platform, RateLimiterMemory>();
  private readonly pausedUntil = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Sets a platform's limits (from its adapter's capabilities). */
  configure(
    platform: Platform,
    capabilities: Pick<Capabilities, 'maxMessagesPerSecond' | 'maxMessagesPerSecondPerChat'>,
  ) {
    this.platformLimiters.set(
      platform,
      new SlidingWindow(Math.max(1, Math.floor(capabilities.maxMessagesPerSecond))),
    );
    this.chatLimiters.set(
      platform,
      new RateLimiterMemory({
        points: Math.max(1, Math.floor(capabilities.maxMessagesPerSecondPerChat * CHAT_WINDOW_SECONDS)),
        duration: CHAT_WINDOW_SECONDS,
      }),
    );
  }

  /** Takes a send slot for (platform, chat) now; returns 0 when granted, else the milliseconds to wait. */
  async acquire(platform: Platform, chatId: string): Promise<number> {
    const slot = await this.reserve(platform, chatId, 0);
    return slot.granted ? 0 : slot.waitMs;
  }

  /**
   * Reserves the platform's next free send slot for (platform, chat) if it comes within `maxDelayMs`:
   * slots are handed out in order, so many senders each wait once for their own slot instead of
   * retrying together. Refused (nothing taken) while paused, over the chat's limit, or when the next
   * slot is further away than `maxDelayMs`.
   */
  async reserve(platform: Platform, chatId: string, maxDelayMs: number): Promise<Slot> {
    const now = this.now();
    const paused = this.pausedWait(platform, chatId);
    if (paused > 0) return { granted: false, waitMs: paused };
    const window = this.platformLimiters.get(platform);
    const delayMs = window?.delayAt(now) ?? 0;
    if (delayMs > maxDelayMs) return { granted: false, waitMs: delayMs };
    const chatLimiter = this.chatLimiters.get(platform);
    const chatWait = await take(chatLimiter, chatId);
    if (chatWait > 0) return { granted: false, waitMs: chatWait };
    if (!window) return { granted: true, delayMs: 0 };
    // Other senders may have taken slots while the chat limiter answered.
    const later = this.now();
    const delay = window.delayAt(later);
    if (delay > maxDelayMs) {
      await chatLimiter?.reward(chatId, 1);
      return { granted: false, waitMs: delay };
    }
    return { granted: true, delayMs: window.reserve(later) };
  }

  /** Platforms with configured limits. */
  platforms(): Platform[] {
    return [...this.platformLimiters.keys()];
  }

  /** The platform's configured sends per second; undefined when it has no limit here. */
  rateOf(platform: Platform): number | undefined {
    return this.platformLimiters.get(platform)?.limit;
  }

  /** Milliseconds the platform (or this chat) is still paused after a 429; 0 when it is not. */
  pausedWait(platform: Platform, chatId: string): number {
    const now = this.now();
    const paused = Math.max(this.pausedFor(platform, now), this.pausedFor(`${platform}:${chatId}`, now));
    return Math.max(0, paused - now);
  }

  /** Whether the whole platform is paused after a 429. */
  isPaused(platform: Platform): boolean {
    return this.pausedFor(platform, this.now()) > this.now();
  }

  private pausedFor(key: string, now: number): number {
    const until = this.pausedUntil.get(key);
    if (until === undefined) return 0;
    if (until <= now) this.pausedUntil.delete(key);
    return until;
  }

  /** The platform said 429: hold back that chat (or the whole platform) for `ms`. */
  pause(platform: Platform, chatId: string | null, ms: number): void {
    const key = chatId === null ? platform : `${platform}:${chatId}`;
    this.pausedUntil.set(key, Math.max(this.pausedUntil.get(key) ?? 0, this.now() + ms));
  }
}

async function take(limiter: RateLimiterMemory | undefined, key: string): Promise<number> {
  if (!limiter) return 0;
  try {
    await limiter.consume(key, 1);
    return 0;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return Math.max(1, rejection.msBeforeNext);
    throw rejection;
  }
}

/**
 * At most `limit` sends in any window of PLATFORM_WINDOW_MS, as a ring of the last `limit` slot
 * times. A fixed one-second window lets up to twice the limit through around a window's edge, which
 * a platform counting over a sliding second answers with 429s. Slots may be reserved ahead: the
 * next one is `PLATFORM_WINDOW_MS` after the slot `limit` places back.
 */
class SlidingWindow {
  private readonly times: number[];
  private next = 0;

  constructor(readonly limit: number) {
    this.times = new Array<number>(limit).fill(Number.NEGATIVE_INFINITY);
  }

  /** Milliseconds from `now` until the next free slot (0: free now). */
  delayAt(now: number): number {
    const oldest = this.times[this.next] ?? Number.NEGATIVE_INFINITY;
    return Math.max(0, Math.ceil(oldest + PLATFORM_WINDOW_MS - now));
  }

  /** Takes the next free slot; returns how many milliseconds from `now` it is. */
  reserve(now: number): number {
    const delay = this.delayAt(now);
    this.times[this.next] = now + delay;
    this.next = (this.next + 1) % this.limit;
    return delay;
  }
}
