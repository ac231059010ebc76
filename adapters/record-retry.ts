import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../src/core/log.ts';

/** Waits between attempts to record an event; the last repeats for as long as it takes. */
export const RECORD_RETRIES_MS: readonly number[] = [250, 1000, 4000, 15_000];

/** Log a failing event again after this many further attempts (the first is always logged). */
const LOG_EVERY_ATTEMPTS = 20;

/**
 * An adapter's answer to a core that cannot record an inbound event (the database is down): the
 * event is handed over again, without end, until it is recorded or the adapter stops. Telegram's
 * long polling waits meanwhile and confirms nothing unrecorded (an update given back at stop is
 * redelivered to the next start); Slack has been acknowledged already, so its events wait here.
 */
export class RecordingRetry {
  private readonly stopping = new AbortController();
  private resolveGivenBack: () => void = () => {};
  /** Resolves once an event has been given back unrecorded at stop. */
  readonly givenBack = new Promise<void>((resolve) => {
    this.resolveGivenBack = resolve;
  });

  constructor(
    private readonly log: Logger,
    private readonly platform: string,
    private readonly waitsMs: readonly number[] = RECORD_RETRIES_MS,
  ) {}

  /** Runs `attempt` until it succeeds (true), or until stop() (false: the event is not recorded). */
  async run(eventId: string, attempt: () => Promise<void>): Promise<boolean> {
    for (let failures = 0; !this.stopping.signal.aborted; failures++) {
      try {
        await attempt();
        return true;
      } catch (error) {
        const wait = this.waitsMs[Math.min(failures, this.waitsMs.length - 1)] ?? 1000;
        if (failures % LOG_EVERY_ATTEMPTS === 0) {
          this.log.warn(
            { err: error, id: eventId, attempt: failures + 1, wait },
            `${this.platform}: event not recorded (is the database down?); trying again`,
          );
        }
        await sleep(wait, undefined, { signal: this.stopping.signal }).catch(() => {});
      }
    }
    this.resolveGivenBack();
    return false;
  }

  /** Ends the retries: events not recorded yet are given back (run() returns false). */
  stop(): void {
    this.stopping.abort();
  }
}
