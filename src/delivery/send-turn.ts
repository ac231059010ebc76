import type { Platform } from '../core/events.ts';
import type { SendRateLimiter } from './rate-limiter.ts';

/**
 * One send's turns at its platform's pace: the turn it waited for is checked again right before its
 * first request (a stall since then means a new turn); each further request of the same send (a
 * long text's next piece, a poll after its intro) takes a turn of its own.
 */
export class SendTurn {
  private requests = 0;

  constructor(
    private readonly limiter: SendRateLimiter,
    private readonly platform: Platform,
    private departure: number | undefined,
  ) {}

  /** Resolves when the next request may go (OutboundMessage.beforeRequest). */
  async beforeRequest(): Promise<void> {
    this.requests += 1;
    if (this.requests > 1) {
      this.landed();
      this.departure = await this.limiter.depart(this.platform);
    }
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
