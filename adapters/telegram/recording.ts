import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../src/core/log.ts';

/** Waits between attempts to record an update; the last repeats for as long as it takes. */
export const RECORD_RETRIES_MS: readonly number[] = [250, 1000, 4000, 15_000];

/** Log a failing update again after this many further attempts (the first is always logged). */
const LOG_EVERY_ATTEMPTS = 20;

/**
 * Long polling's answer to a core that cannot record an update (the database is down): Telegram
 * keeps an update until it is confirmed, so it is tried again, without end, while receiving; the
 * polling waits meanwhile (the batch is not finished), and nothing unrecorded is confirmed. Once
 * stop() is called an update still unrecorded is left unconfirmed: Telegram hands it to the next
 * start.
 */
export class RecordingRetry {
  private readonly stopping = new AbortController();
  private resolveGivenBack: () => void = () => {};
  /** Resolves once an update has been given back unrecorded (its polling batch never ends). */
  readonly givenBack = new Promise<void>((resolve) => {
    this.resolveGivenBack = resolve;
  });

  constructor(
    private readonly log: Logger,
    private readonly waitsMs: readonly number[] = RECORD_RETRIES_MS,
  ) {}

  /** Runs `attempt` until it succeeds (true), or until stop() (false: the update is not recorded). */
  async run(updateId: string, attempt: () => Promise<void>): Promise<boolean> {
    for (let failures = 0; !this.stopping.signal.aborted; failures++) {
      try {
        await attempt();
        return true;
      } catch (error) {
        const wait = this.waitsMs[Math.min(failures, this.waitsMs.length - 1)] ?? 1000;
        if (failures % LOG_EVERY_ATTEMPTS === 0) {
          this.log.warn(
            { err: error, id: updateId, attempt: failures + 1, wait },
            'telegram: update not recorded (is the database down?); trying again, polling waits',
          );
        }
        await sleep(wait, undefined, { signal: this.stopping.signal }).catch(() => {});
      }
    }
    this.log.warn(
      { id: updateId },
      'telegram: stopping with an update not recorded; it stays unconfirmed, and Telegram hands it to the next start',
    );
    this.resolveGivenBack();
    return false;
  }

  /** Ends the retries: updates not recorded yet are given back (left unconfirmed). */
  stop(): void {
    this.stopping.abort();
  }
}
