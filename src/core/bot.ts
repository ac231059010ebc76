import type { DispatchOutcome, DispatchProgress } from './adapter.ts';
import { cleanEvent } from './clean-text.ts';
import { compose, type Middleware } from './composer.ts';
import type { Context } from './context.ts';
import { errorMessage, UserFacingError } from './errors.ts';
import type { InboundEvent } from './events.ts';
import type { Logger } from './log.ts';

export interface BotOptions<C extends Context> {
  /** Builds the per-event context. */
  createContext(event: InboundEvent): C;
  /** Records the event id; false when it was already processed (a redelivery). */
  markProcessed(event: InboundEvent): Promise<boolean>;
  /** Records that a recorded event was handled (its replies are enqueued). */
  markHandled?(event: InboundEvent): Promise<void>;
  log: Logger;
}

/** Takes normalized events from adapters and runs them through the middleware, once each. */
export class Bot<C extends Context> {
  private readonly middleware: Middleware<C>[] = [];

  constructor(private readonly options: BotOptions<C>) {}

  use(...middleware: Middleware<C>[]): this {
    this.middleware.push(...middleware);
    return this;
  }

  /**
   * Handles one event. Handler errors are caught and answered (one bad event never takes the process
   * down); it throws only when the event could not be recorded (database down), so the adapter can
   * let the platform redeliver it. `progress.recorded` is called once the event id is stored.
   * Every text and id is cleaned first (clean-text.ts), whichever adapter it came from.
   */
  async dispatch(inbound: InboundEvent, progress?: DispatchProgress): Promise<DispatchOutcome> {
    const log = this.options.log;
    const event = cleanEvent(inbound);
    if (event.sender.isBot) {
      log.debug({ platform: event.address.platform, id: event.id }, 'ignored event from a bot');
      progress?.recorded();
      return { handled: false, enqueued: 0 };
    }
    // Votes are state (poll, member, option): applying one twice changes nothing, so they are not
    // deduplicated by id (add, remove, add again is three changes). Storing the vote records it: a
    // failure propagates like a failed record, and the receiver tries the vote again.
    if (event.kind === 'vote') {
      const ctx = this.options.createContext(event);
      await compose(this.middleware)(ctx, async () => {});
      progress?.recorded();
      return { handled: true, enqueued: ctx.enqueued };
    }
    let fresh: boolean;
    try {
      fresh = await this.options.markProcessed(event);
    } catch (error) {
      log.error({ err: error, id: event.id }, 'could not record inbound event');
      throw error;
    }
    progress?.recorded();
    if (!fresh) {
      log.debug({ platform: event.address.platform, id: event.id }, 'duplicate event ignored');
      return { handled: false, enqueued: 0 };
    }
    return this.handleRecorded(event);
  }

  /**
   * Handles an event recorded earlier whose handling never finished (its process died): the
   * recovery path. It is not deduplicated again.
   */
  async redispatch(event: InboundEvent): Promise<DispatchOutcome> {
    this.options.log.warn(
      { platform: event.address.platform, id: event.id },
      'handling an event again: its earlier handling never finished',
    );
    return this.handleRecorded(event);
  }

  private async handleRecorded(event: InboundEvent): Promise<DispatchOutcome> {
    const ctx = this.options.createContext(event);
    try {
      await compose(this.middleware)(ctx, async () => {});
    } catch (error) {
      await this.handleError(ctx, error);
    }
    await this.options.markHandled?.(event).catch((error: unknown) => {
      // Not fatal: the event may be handled once more by the recovery path.
      this.options.log.warn({ err: error, id: event.id }, 'could not mark the event handled');
    });
    return { handled: true, enqueued: ctx.enqueued };
  }

  private async handleError(ctx: C, error: unknown): Promise<void> {
    const userFacing = error instanceof UserFacingError;
    if (!userFacing) ctx.log.error({ err: error, event: ctx.event.id }, 'handler failed');
    try {
      await ctx.reply(
        userFacing ? errorMessage(error) : 'Sorry, something went wrong on our side. Please try again later.',
      );
    } catch (replyError) {
      ctx.log.error({ err: replyError }, 'could not send the error reply');
    }
  }
}
