import { RateLimitError } from 'discord.js';
import { RateLimitedError } from '../../src/core/errors.ts';
import { discordStatus } from './errors.ts';

const WINDOW_MS = 10 * 60_000;

/**
 * Discord bans an IP for a while after 10,000 answers of 401, 403 or 429 in 10 minutes (429s of the
 * `shared` scope excepted). The guard counts them over a sliding 10 minutes and, at `limit` (far
 * below the ban), pauses every Discord send until the oldest counted answer leaves the window.
 */
export class InvalidRequestGuard {
  private readonly times: number[] = [];
  private readonly limit: number;
  private readonly now: () => number;
  /** While sends are paused: until when (epoch ms); 0 when they are not. */
  pausedUntil = 0;

  constructor(options: { now: () => number; limit?: number }) {
    this.now = options.now;
    this.limit = options.limit ?? 1_000;
  }

  /** Throws while paused: the outbox waits (the whole platform) instead of adding to the count. */
  check(): void {
    const now = this.now();
    if (this.pausedUntil > now) {
      throw new RateLimitedError(
        this.pausedUntil - now,
        `discord: sends paused by the guard (${this.pauseLine()})`,
        'global',
      );
    }
    this.pausedUntil = 0;
  }

  /** Counts an error's answer if it is one Discord counts; true when this one started a pause. */
  count(error: unknown): boolean {
    const status = discordStatus(error);
    if (status !== 401 && status !== 403 && status !== 429) return false;
    if (error instanceof RateLimitError && error.scope === 'shared') return false;
    const now = this.now();
    this.times.push(now);
    while ((this.times[0] ?? now) <= now - WINDOW_MS) this.times.shift();
    if (this.times.length < this.limit || this.pausedUntil > now) return false;
    this.pausedUntil = (this.times[0] ?? now) + WINDOW_MS;
    return true;
  }

  pauseLine(): string {
    const minutes = Math.max(1, Math.ceil((this.pausedUntil - this.now()) / 60_000));
    return (
      `Discord sends are paused for ${minutes} min: ${this.times.length} refused requests (401/403/429) in 10 minutes. ` +
      'Discord bans a bot at 10,000; check the bot token and its permissions.'
    );
  }
}
