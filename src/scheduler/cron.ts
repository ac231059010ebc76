import { Cron } from 'croner';

/** True when `timezone` is an IANA zone name this runtime knows (e.g. `Europe/Berlin`, `UTC`). */
export function isValidTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/**
 * A cron expression (5 fields, or 6 with seconds first) read in an IANA timezone. DST follows
 * Vixie cron (croner): a wall time skipped by spring-forward runs at the first valid time after the
 * gap, the same day; a wall time that occurs twice (fall-back) runs once, at its first occurrence.
 */
export class CronSchedule {
  private readonly cron: Cron;

  /** Throws an Error with a readable message for a bad expression or timezone. */
  constructor(
    readonly expression: string,
    readonly timezone: string,
  ) {
    if (!isValidTimezone(timezone)) throw new Error(`unknown timezone "${timezone}"`);
    try {
      this.cron = new Cron(expression, { timezone, paused: true, mode: '5-or-6-parts' });
    } catch (error) {
      throw new Error(`bad cron expression "${expression}": ${(error as Error).message}`);
    }
  }

  /** The first occurrence strictly after `after`, or null if there is none. */
  next(after: Date): Date | null {
    return this.cron.nextRun(after);
  }

  /**
   * Occurrences in (after, until], oldest first; at most `max` of them, plus whether more were cut off.
   */
  between(after: Date, until: Date, max = 1000): { occurrences: Date[]; truncated: boolean } {
    const occurrences: Date[] = [];
    let cursor = after;
    for (;;) {
      const next = this.cron.nextRun(cursor);
      if (!next || next.getTime() > until.getTime()) return { occurrences, truncated: false };
      if (occurrences.length === max) return { occurrences, truncated: true };
      occurrences.push(next);
      cursor = next;
    }
  }
}
