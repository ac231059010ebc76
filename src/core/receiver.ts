import { setTimeout as sleep } from 'node:timers/promises';
import type { InboundEvent } from './events.ts';
import { EventsInHand } from './events-in-hand.ts';
import type { Logger } from './log.ts';
import type { DispatchOutcome, EventSink } from './sink.ts';

/** Waits between attempts to record an event; the last repeats for as long as it takes. */
export const RECORD_RETRIES_MS: readonly number[] = [250, 1000, 4000, 15_000];

/** Log a failing event again after this many further attempts (the first is always logged). */
const LOG_EVERY_ATTEMPTS = 20;

/** Events in hand (recording or being handled) before `room()` makes a transport wait. */
const DEFAULT_MAX_IN_FLIGHT = 1000;

export interface ReceiverOptions {
  /** For log lines. */
  platform: string;
  log: Logger;
  maxInFlight?: number;
  /** Waits between attempts to record an event the core could not store (database down). */
  retryWaitsMs?: readonly number[];
}

/** What became of one received event. Neither promise rejects. */
export interface Receipt {
  /**
   * True once the core stored the event (acknowledge the platform then: a redelivery would be
   * dropped as a duplicate); false when it was given back unrecorded (stop, or a failed attempt
   * with `retry: false`): do not acknowledge, let the platform redeliver.
   */
  recorded: Promise<boolean>;
  /** Once the event was handled (replies enqueued); undefined when it was given back. */
  handled: Promise<DispatchOutcome | undefined>;
}

/**
 * The one way from every adapter into the core, written once:
 * - per-chat order: a chat's events are handed over one after another, in the order received;
 * - back-pressure: `room()` resolves while at most `maxInFlight` events are in hand;
 * - record, then acknowledge: `recorded` says when the platform may be told;
 * - outage retry: an event the core cannot record (database down) is tried again, without end, until
 *   it is or the receiver stops (then it is given back, unrecorded, for the platform to redeliver);
 * - drain: `stop()` ends the retries and waits for everything in hand.
 */
export class InboundReceiver {
  private readonly inHand = new EventsInHand();
  private readonly stopping = new AbortController();
  private readonly maxInFlight: number;
  private readonly retryWaitsMs: readonly number[];

  constructor(
    private readonly sink: EventSink,
    private readonly options: ReceiverOptions,
  ) {
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.retryWaitsMs = options.retryWaitsMs ?? RECORD_RETRIES_MS;
  }

  /** True once stop() was called: transports should take no new events. */
  get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  /**
   * Hands an event to the core after its chat's earlier events. With `retry: false` (a transport that
   * can refuse, e.g. a webhook answering 500) one failed attempt gives the event back at once.
   */
  receive(event: InboundEvent, options: { retry?: boolean } = {}): Receipt {
    let settleRecorded: (recorded: boolean) => void = () => {};
    const recorded = new Promise<boolean>((resolve) => {
      settleRecorded = resolve;
    });
    const chat = `${event.address.platform}\u0000${event.address.chatId}`;
    const handled = this.inHand
      .track(
        this.inHand.inChatOrder(chat, () =>
          this.deliver(event, () => settleRecorded(true), options.retry ?? true),
        ),
      )
      .catch((error: unknown) => {
        this.options.log.error(
          { err: error, id: event.id },
          `${this.options.platform}: event handling failed`,
        );
        return undefined;
      })
      .finally(() => settleRecorded(false)); // no-op when it was recorded
    return { recorded, handled };
  }

  /** Resolves once at most `maxInFlight` events are in hand (transports wait here before fetching more). */
  room(): Promise<void> {
    return this.inHand.roomFor(this.maxInFlight);
  }

  /** Ends the outage retries (their events are given back) and waits for every event in hand. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.inHand.settled();
  }

  /** Runs the sink until the event is recorded and handled; undefined when it is given back. */
  private async deliver(
    event: InboundEvent,
    recorded: () => void,
    retry: boolean,
  ): Promise<DispatchOutcome | undefined> {
    const { log, platform } = this.options;
    for (let failures = 0; !this.stopped; failures++) {
      let stored = false;
      try {
        const outcome = await this.sink(event, {
          recorded: () => {
            stored = true;
            recorded();
          },
        });
        recorded(); // a sink that does not report progress has recorded the event by now
        return outcome;
      } catch (error) {
        // The core throws only when it could not record the event; once recorded it answers errors.
        if (stored) throw error;
        if (!retry) {
          log.warn({ err: error, id: event.id }, `${platform}: event not recorded (is the database down?)`);
          return undefined;
        }
        const wait = this.retryWaitsMs[Math.min(failures, this.retryWaitsMs.length - 1)] ?? 1000;
        if (failures % LOG_EVERY_ATTEMPTS === 0) {
          log.warn(
            { err: error, id: event.id, attempt: failures + 1, wait },
            `${platform}: event not recorded (is the database down?); trying again`,
          );
        }
        await sleep(wait, undefined, { signal: this.stopping.signal }).catch(() => {});
      }
    }
    log.warn({ id: event.id }, `${platform}: stopping; an unrecorded event is given back`);
    return undefined;
  }
}
