import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { type RateWindow, sendsPerSecond } from '../core/adapter.ts';
import { RateLimitedError } from '../core/errors.ts';
import type { Platform } from '../core/events.ts';
import { DepartureWindow } from './departure-window.ts';
import type { SharedPace } from './shared-pace.ts';

/** A send that could keep no shared slot is tried again after this long. */
const LATE_RETRY_MS = 1_000;

/** Per-chat limits are averaged over at least this long: short bursts at the average rate pass. */
const MIN_CHAT_AVERAGING_MS = 3_000;

/** A send slot: granted (the send then waits its turn in `depart`), or refused for `waitMs`. */
export type Slot = { granted: true } | { granted: false; waitMs: number };

/** One platform's windows as the limiter keeps them. */
interface PlatformLimits {
  windows: readonly RateWindow[];
  /** The shortest account window: paces departures and queues waiting senders. */
  pace: DepartureWindow | undefined;
  /** Longer account windows (X's 1,440 a day): counted, a send waits while one is full. */
  quotas: SendLog[];
  /** Chat windows (rate-limiter-flexible, per chat id). */
  chats: RateLimiterMemory[];
  /** Messages per second the account windows allow (the broadcast pacer's rate). */
  perSecond: number | undefined;
  /** With a shared pace: milliseconds between two sends of this platform across all instances. */
  sharedIntervalMs: number | undefined;
  /** With a shared pace: how late after its slot a request may still leave (else it takes another). */
  sharedToleranceMs: number;
}

/**
 * Headroom of a shared pace, as a share of each window: slots are this much further apart than the
 * limit allows. Half of it is the lateness a request may have at its last check (the pace is
 * re-checked right before each request); the other half covers what follows (the rest of the
 * process's turn, the network) before the platform counts it. A platform counting over a sliding
 * window then never sees more than its limit: sends whose slots lie within one window plus that
 * lateness still fit (Telegram's 30 a second become one every 35 ms, each leaving within 25 ms).
 */
const SHARED_HEADROOM_SHARE = 0.05;

/**
 * Per-platform and per-chat send limits in front of every send, built from the windows each adapter
 * declares (`Capabilities.rateLimits`). Account windows: the shortest paces departures (a sliding
 * window with one queue of waiting senders, let through in order); longer ones are counted and make
 * a send wait while full. Chat windows: rate-limiter-flexible, per chat. A platform's 429 pauses that
 * platform (or chat) for exactly the time it asked.
 */
export class SendRateLimiter {
  private readonly limits = new Map<Platform, PlatformLimits>();
  private readonly pausedUntil = new Map<string, number>();

  /**
   * @param shared with several instances on one PostgreSQL: the account windows are kept there as
   *   one pace per platform (every instance's sends together stay within it); chat windows stay here.
   */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly shared?: SharedPace,
  ) {}

  /** Sets a platform's limits (its adapter's declared windows). */
  configure(platform: Platform, windows: readonly RateWindow[]): void {
    const account = windows
      .filter((w) => w.scope === 'account')
      .sort((a, b) => a.windowMs - b.windowMs || a.limit - b.limit);
    const [shortest, ...longer] = account;
    this.limits.set(platform, {
      windows,
      pace: shortest
        ? new DepartureWindow(Math.max(1, Math.floor(shortest.limit)), shortest.windowMs, this.now)
        : undefined,
      quotas: longer.map((w) => new SendLog(Math.max(1, Math.floor(w.limit)), w.windowMs)),
      chats: windows.filter((w) => w.scope === 'chat').map(chatLimiter),
      perSecond: sendsPerSecond(windows),
      sharedIntervalMs:
        this.shared && account.length > 0
          ? Math.max(...account.map((w) => (w.windowMs * (1 + SHARED_HEADROOM_SHARE)) / w.limit))
          : undefined,
      sharedToleranceMs: ((shortest?.windowMs ?? 0) * SHARED_HEADROOM_SHARE) / 2,
    });
  }

  /** The windows a platform was configured with. */
  windowsOf(platform: Platform): readonly RateWindow[] {
    return this.limits.get(platform)?.windows ?? [];
  }

  /**
   * Counts sends an earlier run made (epoch ms, from the outbox) in the account windows, so a
   * restart cannot send a second burst into a window that is still full.
   */
  prime(platform: Platform, sentAt: readonly number[]): void {
    const limits = this.limits.get(platform);
    if (!limits) return;
    const times = [...sentAt].sort((a, b) => a - b);
    limits.pace?.prime(times);
    for (const quota of limits.quotas) quota.prime(times);
  }

  /** The longest account window of a platform (how far back `prime` needs sends), 0 without one. */
  longestWindowMs(platform: Platform): number {
    let longest = 0;
    for (const w of this.windowsOf(platform))
      if (w.scope === 'account') longest = Math.max(longest, w.windowMs);
    return longest;
  }

  /** Takes a send slot for (platform, chat) now; returns 0 when granted, else the milliseconds to wait. */
  async acquire(platform: Platform, chatId: string): Promise<number> {
    const slot = await this.reserve(platform, chatId, 0);
    if (!slot.granted) return slot.waitMs;
    const pace = this.limits.get(platform)?.pace;
    if (!pace || pace.tryDepart() !== undefined) return 0;
    await this.refundChat(platform, chatId);
    return Math.max(1, pace.expectedWait());
  }

  /**
   * Takes the chat's share and the quotas' for one send if the platform's queue will let it leave
   * within `maxDelayMs`; the send then waits its turn in `depart`. Refused (nothing taken) while
   * paused, over a chat or quota window, or when the platform's queue is longer than `maxDelayMs`.
   */
  async reserve(platform: Platform, chatId: string, maxDelayMs: number): Promise<Slot> {
    const paused = this.pausedWait(platform, chatId);
    if (paused > 0) return { granted: false, waitMs: paused };
    const limits = this.limits.get(platform);
    if (!limits) return { granted: true };
    const now = this.now();
    // A shared pace is kept in the database: the wait is known when the slot is taken (depart).
    const local = limits.sharedIntervalMs === undefined;
    const delayMs = local
      ? Math.max(limits.pace?.expectedWait() ?? 0, ...limits.quotas.map((q) => q.waitAt(now)))
      : 0;
    if (delayMs > maxDelayMs) return { granted: false, waitMs: delayMs };
    for (let i = 0; i < limits.chats.length; i++) {
      const chatWait = await take(limits.chats[i], chatId);
      if (chatWait > 0) {
        for (const earlier of limits.chats.slice(0, i)) await earlier.reward(chatId, 1);
        return { granted: false, waitMs: chatWait };
      }
    }
    if (local) for (const quota of limits.quotas) quota.record(now);
    return { granted: true };
  }

  /**
   * Waits for the platform's pace to let one more send leave now, in the order senders arrived,
   * and counts it as gone. Returns the departure (a number, or a promise of one; undefined for a
   * platform without limits), to be passed to `recheck` right before the request and to `landed`
   * once the platform answered. With a shared pace the departure is the slot's time; a send that
   * could keep no slot (a process stalled for seconds) is refused with a RateLimitedError.
   */
  depart(platform: Platform): Promise<number | undefined> | number | undefined {
    const limits = this.limits.get(platform);
    if (this.shared && limits?.sharedIntervalMs !== undefined) {
      return this.shared
        .depart(platform, limits.sharedIntervalMs, limits.sharedToleranceMs)
        .then((slotAt) => {
          if (slotAt !== undefined) return slotAt;
          throw new RateLimitedError(
            LATE_RETRY_MS,
            `${platform}: no send slot kept (this process is stalled)`,
          );
        });
    }
    return limits?.pace?.depart();
  }

  /**
   * Right before a send's request: with a shared pace, a departure whose slot passed more than the
   * tolerance ago (the process stalled after the slot came) is replaced by a new slot, waited for;
   * the request then reaches the platform with the sends of its own slot, not a bunch of later ones.
   */
  async recheck(platform: Platform, departure: number | undefined): Promise<number | undefined> {
    return this.onTime(platform, departure) ? departure : this.depart(platform);
  }

  /** Whether a departure may still leave now: always, but for a shared slot passed too long ago. */
  onTime(platform: Platform, departure: number | undefined): boolean {
    const limits = this.limits.get(platform);
    if (!this.shared || limits?.sharedIntervalMs === undefined || departure === undefined) return true;
    return this.now() - departure <= limits.sharedToleranceMs;
  }

  /**
   * The platform answered a send: it counted it by now at the latest. A send that left late (this
   * process or the platform was busy for a moment) then holds back the sends a window after it.
   */
  landed(platform: Platform, departure: number | undefined): void {
    const limits = this.limits.get(platform);
    if (departure !== undefined && limits?.sharedIntervalMs === undefined) limits?.pace?.landed(departure);
  }

  /** Platforms with configured limits. */
  platforms(): Platform[] {
    return [...this.limits.keys()];
  }

  /** The platform's sends per second over its account windows; undefined when it has none here. */
  rateOf(platform: Platform): number | undefined {
    return this.limits.get(platform)?.perSecond;
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
    // The whole platform: every instance waits (their next slots come after the pause).
    if (chatId === null) void this.shared?.pause(platform, ms).catch(() => {});
  }

  private async refundChat(platform: Platform, chatId: string): Promise<void> {
    for (const chat of this.limits.get(platform)?.chats ?? []) await chat.reward(chatId, 1);
  }
}

/** A chat window as rate-limiter-flexible points, averaged over at least MIN_CHAT_AVERAGING_MS. */
function chatLimiter(window: RateWindow): RateLimiterMemory {
  const stretch = Math.max(1, Math.round(MIN_CHAT_AVERAGING_MS / window.windowMs));
  return new RateLimiterMemory({
    points: Math.max(1, Math.floor(window.limit * stretch)),
    duration: (window.windowMs * stretch) / 1000,
  });
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

/** The last `limit` send times of a long window (a ring): full while the oldest is inside it. */
class SendLog {
  private readonly times: number[];
  private next = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.times = new Array<number>(limit).fill(Number.NEGATIVE_INFINITY);
  }

  waitAt(now: number): number {
    const oldest = this.times[this.next] ?? Number.NEGATIVE_INFINITY;
    return Math.max(0, Math.ceil(oldest + this.windowMs - now));
  }

  record(at: number): void {
    this.times[this.next] = at;
    this.next = (this.next + 1) % this.limit;
  }

  prime(times: readonly number[]): void {
    for (const at of times.slice(-this.limit)) this.record(at);
  }
}
