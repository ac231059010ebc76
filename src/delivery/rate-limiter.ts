import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Capabilities } from '../core/adapter.ts';
import type { Platform } from '../core/events.ts';

/** Seconds over which per-chat limits are measured: allows short bursts at the average rate. */
const CHAT_WINDOW_SECONDS = 3;

/**
 * The platform window is this much longer than a second: a send reaches the platform a few
 * milliseconds after it leaves here, and that skew must not squeeze more than the limit into one of
 * the platform's seconds (it answers 429 and the slot is lost).
 */
const PLATFORM_WINDOW_MS = 1005;

/**
 * Sends that may leave back to back (a burst): a tenth of the platform's rate, at least ten. After
 * a stall (a busy event loop, a GC pause) up to 100 ms of sends catch up; a stall longer than that
 * is capacity lost. The ring below still caps any window at the limit.
 */
const MIN_BURST = 10;

/** Largest limit kept as a ring of departure times (two numbers per send a second). */
const MAX_RING_LIMIT = 100_000;

/** Sums of fractional paces drift by rounding; this much early counts as on time. */
const ROUNDING_SLACK_MS = 0.01;

/** A send slot: granted (the send then waits its turn in `depart`), or refused for `waitMs`. */
export type Slot = { granted: true } | { granted: false; waitMs: number };

/**
 * Per-platform and per-chat send limits in front of every send. Per chat: rate-limiter-flexible
 * (the average over a few seconds). Per platform: a sliding window of actual departures with one
 * queue of waiting senders, let through in order as the window frees up. A platform's 429 pauses
 * that platform (or chat) for exactly the time it asked.
 */
export class SendRateLimiter {
  private readonly platformLimiters = new Map<Platform, DepartureWindow>();
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
      new DepartureWindow(Math.max(1, Math.floor(capabilities.maxMessagesPerSecond)), this.now),
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
    if (!slot.granted) return slot.waitMs;
    const window = this.platformLimiters.get(platform);
    if (!window || window.tryDepart() !== undefined) return 0;
    await this.chatLimiters.get(platform)?.reward(chatId, 1);
    return Math.max(1, window.expectedWait());
  }

  /**
   * Takes the chat's share for one send if the platform's queue will let it leave within
   * `maxDelayMs`; the send then waits its turn in `depart`. Refused (nothing taken) while paused,
   * over the chat's limit, or when the platform's queue is longer than `maxDelayMs`.
   */
  async reserve(platform: Platform, chatId: string, maxDelayMs: number): Promise<Slot> {
    const paused = this.pausedWait(platform, chatId);
    if (paused > 0) return { granted: false, waitMs: paused };
    const window = this.platformLimiters.get(platform);
    const delayMs = window?.expectedWait() ?? 0;
    if (delayMs > maxDelayMs) return { granted: false, waitMs: delayMs };
    const chatWait = await take(this.chatLimiters.get(platform), chatId);
    if (chatWait > 0) return { granted: false, waitMs: chatWait };
    return { granted: true };
  }

  /**
   * Waits for the platform's window to let one more send leave now, in the order senders arrived,
   * and counts it as gone. Returns the departure (a number, or a promise of one; undefined for a
   * platform without limits), to be passed to `landed` once the platform answered.
   */
  depart(platform: Platform): Promise<number> | number | undefined {
    return this.platformLimiters.get(platform)?.depart();
  }

  /**
   * The platform answered a send: it counted it by now at the latest. A send that left late (this
   * process or the platform was busy for a moment) then holds back the sends a window after it.
   */
  landed(platform: Platform, departure: number | undefined): void {
    if (departure !== undefined) this.platformLimiters.get(platform)?.landed(departure);
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
 * Paces a platform's departures: evenly, one every PLATFORM_WINDOW_MS / `limit` (a virtual
 * schedule, GCRA), catching up at most BURST sends after a quiet spell or a stall, and never more than
 * `limit` in any window of PLATFORM_WINDOW_MS (a ring of the last `limit` departure times). Bursts
 * are what a platform counting over a sliding second answers with 429s: a burst leaves this process
 * over several milliseconds, so its sends reach the platform later than they were counted here.
 * Senders that must wait queue in one FIFO behind one timer: no stampede, first come first served.
 * A departure's time moves to when the platform answered it (`landed`): the window then counts from
 * the latest moment the platform can have seen it. Above MAX_RING_LIMIT sends a second (no real
 * platform; a limit lifted for a benchmark) the pace alone holds, without the ring.
 */
class DepartureWindow {
  private readonly departed: number[];
  /** Which departure (by count) each ring entry holds. */
  private readonly departures: number[];
  private readonly ring: number;
  private next = 0;
  private count = 0;
  /** The pace: milliseconds between departures, and how far behind schedule a catch-up may start. */
  private readonly interval: number;
  private readonly burstMs: number;
  /** When the next departure is due by the pace. */
  private dueAt = Number.NEGATIVE_INFINITY;
  private readonly queue: ((departure: number) => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly limit: number,
    private readonly now: () => number,
  ) {
    this.ring = limit <= MAX_RING_LIMIT ? limit : 0;
    this.departed = new Array<number>(this.ring).fill(Number.NEGATIVE_INFINITY);
    this.departures = new Array<number>(this.ring).fill(0);
    this.interval = PLATFORM_WINDOW_MS / limit;
    const burst = Math.max(Math.min(limit, MIN_BURST), Math.floor(limit / 10));
    this.burstMs = (burst - 1) * this.interval;
  }

  /** About how long a sender arriving now waits for its turn (the queue ahead included). */
  expectedWait(): number {
    const now = this.now();
    const paced = Math.max(this.dueAt, now - this.burstMs) + this.queue.length * this.interval - now;
    return Math.max(
      0,
      Math.ceil(paced - ROUNDING_SLACK_MS),
      this.queue.length === 0 ? this.windowWait(now) : 0,
    );
  }

  /** Departs now if it may and nobody is waiting (returns the departure); undefined otherwise. */
  tryDepart(): number | undefined {
    if (this.queue.length > 0 || this.waitAt(this.now()) > 0) return undefined;
    return this.record(this.now());
  }

  /** The departure, at once or when this sender may leave. */
  depart(): Promise<number> | number {
    return (
      this.tryDepart() ??
      new Promise<number>((resolve) => {
        this.queue.push(resolve);
        this.letThrough();
      })
    );
  }

  /** Moves a departure (if still in the ring) to now, when the platform answered it. */
  landed(departure: number): void {
    if (this.ring === 0) return;
    const at = (departure - 1) % this.ring;
    if (this.departures[at] !== departure) return;
    this.departed[at] = Math.max(this.departed[at] ?? 0, this.now());
  }

  /** Milliseconds until one more departure fits both the pace and the window. */
  private waitAt(now: number): number {
    return Math.max(0, Math.ceil(this.dueAt - now - ROUNDING_SLACK_MS), this.windowWait(now));
  }

  private windowWait(now: number): number {
    const oldest = this.departed[this.next] ?? Number.NEGATIVE_INFINITY;
    return Math.max(0, Math.ceil(oldest + PLATFORM_WINDOW_MS - now));
  }

  private record(now: number): number {
    this.count += 1;
    if (this.ring > 0) {
      this.departed[this.next] = now;
      this.departures[this.next] = this.count;
      this.next = (this.next + 1) % this.ring;
    }
    this.dueAt = Math.max(this.dueAt, now - this.burstMs) + this.interval;
    return this.count;
  }

  /** Lets waiting senders go in order while they may; re-arms the timer for the rest. */
  private letThrough(): void {
    if (this.timer) return;
    let wait = this.waitAt(this.now());
    while (wait === 0 && this.queue.length > 0) {
      const departure = this.record(this.now());
      this.queue.shift()?.(departure);
      wait = this.waitAt(this.now());
    }
    if (this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.letThrough();
    }, wait);
  }
}
