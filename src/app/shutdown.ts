import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';

export interface ShutdownOptions {
  /** Stops Hearth (Hearth.stop). */
  stop: () => Promise<void>;
  log: Logger;
  /** How long stopping may take before the process exits anyway (SHUTDOWN_TIMEOUT_MS). */
  timeoutMs: number;
  /** process.exit, or a stand-in in tests. */
  exit: (code: number) => void;
}

/** How a stop ended: stopped (exit 0), failed or timed out (exit 1). */
export type ShutdownOutcome = 'stopped' | 'failed' | 'timed-out';

/**
 * The handler for SIGTERM / SIGINT: stops Hearth once, then exits 0 when it stopped, or 1 when
 * stopping failed or took longer than `timeoutMs`. A platform that never answers must not keep a
 * deploy waiting until the supervisor's SIGKILL. Nothing cut short is lost: claimed outbox rows go
 * back to the queue when their lease ends, and long-polled updates not yet recorded are fetched again.
 * Resolves with the outcome (after calling `exit`), for tests.
 */
export function shutdownHandler(options: ShutdownOptions): (signal: string) => Promise<ShutdownOutcome> {
  let running: Promise<ShutdownOutcome> | undefined;
  return (signal) => {
    running ??= shutDown(options, signal);
    return running;
  };
}

async function shutDown({ stop, log, timeoutMs, exit }: ShutdownOptions, signal: string) {
  log.info({ signal, timeoutMs }, 'stopping (a second SIGINT or SIGTERM exits at once)');
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ShutdownOutcome>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), timeoutMs);
  });
  const stopped = stop().then(
    (): ShutdownOutcome => 'stopped',
    (error: unknown): ShutdownOutcome => {
      log.error({ err: error }, `stopping failed: ${errorMessage(error)}`);
      return 'failed';
    },
  );
  const outcome = await Promise.race([stopped, deadline]);
  clearTimeout(timer);
  if (outcome === 'timed-out') {
    log.error(
      { timeoutMs },
      `Hearth did not stop within ${timeoutMs} ms; exiting anyway. Messages still being sent go back ` +
        'to the queue when their lease ends and are sent after the next start.',
    );
  } else if (outcome === 'stopped') {
    log.info('stopped');
  }
  exit(outcome === 'stopped' ? 0 : 1);
  return outcome;
}
