import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Capabilities } from '../core/adapter.ts';
import type { Platform } from '../core/events.ts';

/** Seconds over which per-chat limits are measured: allows short bursts at the average rate. */
const CHAT_WINDOW_SECONDS = 3;

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

  /** Takes a send slot for (platform, chat); returns 0 when granted, else the milliseconds to wait. */
  async acquire(platform: Platform, chatId: string): Promise<number> {
    const now = this.now();
    const paused = Math.max(this.pausedFor(platform, now), this.pausedFor(`${platform}:${chatId}`, now));
    if (paused > now) return paused - now;
    const chatWait = await take(this.chatLimiters.get(platform), chatId);
    if (chatWait > 0) return chatWait;
    return this.platformLimiters.get(platform)?.take(now) ?? 0;
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
 * At most `limit` sends in any one second (a sliding window over the last `limit` send times). A
 * fixed one-second window lets up to twice the limit through around a window's edge, which a
 * platform counting over a sliding second answers with 429s.
 */
class SlidingWindow {
  private readonly times: number[];
  private next = 0;

  constructor(private readonly limit: number) {
    this.times = new Array<number>(limit).fill(Number.NEGATIVE_INFINITY);
  }

  /** Takes a slot at `now`: 0 when granted, else the milliseconds until one frees up. */
  take(now: number): number {
    const oldest = this.times[this.next] ?? Number.NEGATIVE_INFINITY;
    if (now - oldest < 1000) return Math.max(1, Math.ceil(oldest + 1000 - now));
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.limit;
    return 0;
  }
}
