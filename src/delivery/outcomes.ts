import { errorMessage, PermanentError, RateLimitedError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { SendResult } from '../core/outbound.ts';
import { backoffMs } from './backoff.ts';
import type { DeliveryListeners } from './listeners.ts';
import type { Outbox, OutboxRow } from './outbox.ts';
import type { SendRateLimiter } from './rate-limiter.ts';

export interface SendOutcomesOptions {
  workerId: string;
  outbox: Outbox;
  limiter: SendRateLimiter;
  listeners: DeliveryListeners;
  log: Logger;
  maxAttempts: number;
  now: () => Date;
}

/**
 * What follows a send attempt: a success is recorded and heard by the features; a 429 pauses its
 * scope and puts the row back for the time asked; a permanent failure dead-letters it (a recipient
 * gone is told to the features); anything else is retried with backoff, then dead-lettered.
 */
export class SendOutcomes {
  /** Sends being recorded (stop() and runOnce() wait for them). */
  private readonly recording = new Set<Promise<unknown>>();

  constructor(private readonly options: SendOutcomesOptions) {}

  /** Resolves once every send recorded so far is stored. */
  async settled(): Promise<void> {
    await Promise.all([...this.recording]);
  }

  /** A 429: holds back the platform (or the chat) for as long as it asked. */
  pauseFor(row: OutboxRow, error: RateLimitedError): void {
    this.options.limiter.pause(row.platform, error.pausesPlatform ? null : row.chatId, error.retryAfterMs);
    this.options.log.warn(
      { id: row.id.toString(), platform: row.platform, retryAfterMs: error.retryAfterMs },
      'rate limited',
    );
  }

  /**
   * Records a send (the outbox gathers marks into one UPDATE) and tells the listeners at once, not
   * after the mark: an owner answering a just-posted Slack message must find it linked already.
   * Resolves once the send is recorded (or recording it failed).
   */
  sent(row: OutboxRow, result: SendResult): Promise<void> {
    const { outbox, log } = this.options;
    const marked = outbox.markSent(row, this.options.workerId, result.messageId).then((recorded) => {
      if (!recorded)
        log.warn({ id: row.id.toString() }, 'sent, but the row was no longer ours (lease expired)');
    });
    const recording = Promise.all([
      marked,
      this.options.listeners.notify('onSent', (l) => l.onSent?.(row, result)),
    ]).then(
      () => {},
      (error: unknown) =>
        log.error({ err: error }, 'recording a send failed; the row is sent again after its lease'),
    );
    this.recording.add(recording);
    void recording.finally(() => this.recording.delete(recording));
    return recording;
  }

  async failed(row: OutboxRow, error: unknown): Promise<Date | undefined> {
    const { outbox, log } = this.options;
    if (error instanceof RateLimitedError) {
      this.pauseFor(row, error);
      const at = new Date(this.options.now().getTime() + error.retryAfterMs);
      await outbox.release(row, this.options.workerId, at, errorMessage(error), false);
      return at;
    }
    if (error instanceof PermanentError) {
      await outbox.deadLetter(row, this.options.workerId, errorMessage(error));
      log.warn({ id: row.id.toString(), platform: row.platform, err: errorMessage(error) }, 'dead-lettered');
      if (error.recipientGone)
        await this.options.listeners.notify('onRecipientGone', (l) => l.onRecipientGone?.(row, error));
      await this.options.listeners.notify('onDead', (l) => l.onDead?.(row, error));
      return undefined;
    }
    return this.retryOrDie(row, error, backoffMs(row.attempts));
  }

  async retryOrDie(row: OutboxRow, error: unknown, delayMs: number): Promise<Date | undefined> {
    const { outbox, log, maxAttempts } = this.options;
    if (row.attempts >= maxAttempts) {
      await outbox.deadLetter(
        row,
        this.options.workerId,
        `gave up after ${row.attempts} attempts: ${errorMessage(error)}`,
      );
      log.warn({ id: row.id.toString(), err: errorMessage(error) }, 'dead-lettered after retries');
      await this.options.listeners.notify('onDead', (l) => l.onDead?.(row, error));
      return undefined;
    }
    const at = new Date(this.options.now().getTime() + delayMs);
    await outbox.release(row, this.options.workerId, at, errorMessage(error), true);
    log.info(
      { id: row.id.toString(), attempt: row.attempts, delayMs, err: errorMessage(error) },
      'send failed; will retry',
    );
    return at;
  }
}
