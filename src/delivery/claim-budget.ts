import type { Platform } from '../core/events.ts';
import type { SendRateLimiter } from './rate-limiter.ts';

/** How much of each platform's rate the worker holds in memory, at most (within PIPE_BATCHES). */
const PIPE_MS = 1_000;
const PIPE_BATCHES = 4;

/** Rows held in memory across all platforms, at most, in batches (OUTBOX_BATCH_SIZE). */
const HELD_BATCHES = 8;

/**
 * A claim takes up to this many batches when there is room: while the database is busy (a fan-out
 * writing pages), each claim waits its turn, so it should bring back enough.
 */
const CLAIM_BATCHES = 4;

/**
 * The delivery worker's rows in memory, per platform, and how many more the next claim may take:
 * about PIPE_MS of each platform's rate, so sends keep flowing between claims without one
 * instance hoarding the queue.
 */
export class ClaimBudget {
  private readonly held = new Map<Platform, number>();
  private heldTotal = 0;

  constructor(
    private readonly limiter: SendRateLimiter,
    private readonly batchSize: number,
  ) {}

  /** Counts rows claimed (`change` > 0) or finished (`change` < 0) for a platform. */
  hold(platform: Platform, change: number): void {
    this.held.set(platform, (this.held.get(platform) ?? 0) + change);
    this.heldTotal += change;
  }

  /**
   * How many rows the next claim may take, and which platforms to leave out: paused ones, and
   * those already holding PIPE_MS worth of their rate.
   */
  next(): { limit: number; exclude: Platform[] } {
    const exclude: Platform[] = [];
    let largestRoom = 0;
    for (const platform of this.limiter.platforms()) {
      const room = this.platformCap(platform) - (this.held.get(platform) ?? 0);
      if (room <= 0 || this.limiter.isPaused(platform)) exclude.push(platform);
      else largestRoom = Math.max(largestRoom, room);
    }
    const room = HELD_BATCHES * this.batchSize - this.heldTotal;
    const most = CLAIM_BATCHES * this.batchSize;
    return { limit: Math.min(most, room, exclude.length > 0 ? largestRoom : most), exclude };
  }

  /** How many more rows of `platform` may be held now (0 while it is paused or full). */
  roomFor(platform: Platform): number {
    if (this.limiter.isPaused(platform)) return 0;
    const own = this.platformCap(platform) - (this.held.get(platform) ?? 0);
    return Math.max(0, Math.min(own, HELD_BATCHES * this.batchSize - this.heldTotal));
  }

  /** Rows of a platform held in memory at most: its rate over PIPE_MS, within PIPE_BATCHES. */
  private platformCap(platform: Platform): number {
    const rate = this.limiter.rateOf(platform) ?? Number.POSITIVE_INFINITY;
    return Math.max(1, Math.min(PIPE_BATCHES * this.batchSize, Math.floor((rate * PIPE_MS) / 1000)));
  }
}
