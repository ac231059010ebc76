import { RateLimitedError } from '../core/errors.ts';
import type { Platform } from '../core/events.ts';
import type { SendRateLimiter } from './rate-limiter.ts';

/**
 * Takes a send's slot for (platform, chat) and waits for its turn: `waitMs` 0 means send now (then
 * build a SendTurn from `departure`), else how long to wait first (refused within `maxDelayMs`).
 */
export async function takeTurn(
  limiter: SendRateLimiter,
  row: { platform: Platform; chatId: string },
  maxDelayMs: number,
): Promise<{ waitMs: number; departure?: number }> {
  const slot = await limiter.reserve(row.platform, row.chatId, maxDelayMs);
  if (!slot.granted) return { waitMs: slot.waitMs };
  let departure: number | undefined;
  try {
    departure = await limiter.depart(row.platform);
  } catch (error) {
    // No shared slot could be kept (this process stalled past each one): try again shortly.
    if (error instanceof RateLimitedError) return { waitMs: error.retryAfterMs };
    throw error;
  }
  const waitMs = limiter.pausedWait(row.platform, row.chatId);
  return departure === undefined ? { waitMs } : { waitMs, departure };
}

/**
 * One send's turns at its platform's pace: the turn it waited for is checked again right before its
 * request (a stall since then means a new turn); each further request of the same send (a long
 * text's next piece, a poll after its intro) takes a turn of its own.
 */
export class SendTurn {
  private requests = 0;

  constructor(
    private readonly limiter: SendRateLimiter,
    private readonly platform: Platform,
    private departure: number | undefined,
  ) {}

  /**
   * Resolves when the next request may go (OutboundMessage.beforeRequest): the first at once (the
   * worker checked its turn right before handing the send over), each further one at a turn of
   * its own.
   */
  async beforeRequest(): Promise<void> {
    this.requests += 1;
    if (this.requests === 1) return;
    this.landed();
    this.departure = await this.limiter.depart(this.platform);
    await this.recheck();
  }

  /** Checks the current turn is still on time (a new one if not), without counting a request. */
  async recheck(): Promise<void> {
    this.departure = await this.limiter.recheck(this.platform, this.departure);
  }

  /** Whether the current turn may still go now (see SendRateLimiter.onTime). */
  onTime(): boolean {
    return this.limiter.onTime(this.platform, this.departure);
  }

  /** The platform answered the latest request. */
  landed(): void {
    this.limiter.landed(this.platform, this.departure);
  }
}
