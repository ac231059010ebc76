/**
 * A recurring job a feature needs (the daily digest, closing polls, retrying broadcasts). The
 * scheduler runs every feature's jobs and claims each (job, occurrence) in the database first, so a
 * firing happens once even when several Hearth instances run.
 */
export interface SystemJob {
  /** Unique, stable name, e.g. `metrics.daily-digest`; the claim key is `system:<name>`. */
  readonly name: string;
  /** A node-cron expression (5 or 6 fields). */
  readonly cron: string;
  /** IANA timezone the cron expression is read in, e.g. `Europe/Berlin`. */
  readonly timezone: string;
  /** Runs once per occurrence, on the one instance that claimed it. */
  run(occurrence: Date): Promise<void>;
}
