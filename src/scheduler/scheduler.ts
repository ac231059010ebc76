import { randomUUID } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Db, Tx } from '../db/database.ts';
import { CronSchedule } from './cron.ts';
import { type ScheduleRecord, ScheduleStore } from './schedule-store.ts';
import type { SystemJob } from './system-job.ts';

/** Runs a schedule's firings of one kind (`broadcast`, `poll`...). */
export interface ScheduleHandler {
  /**
   * Called inside the transaction that claims the occurrence: record what the firing must do (e.g.
   * create the Broadcast row) so a crash right after the claim loses nothing. May return work to
   * run once the claim is committed (e.g. start the fan-out).
   */
  fire(schedule: ScheduleRecord, occurrence: Date, tx: Tx): Promise<(() => Promise<void>) | undefined>;
}

export interface SchedulerOptions {
  db: Db;
  log: Logger;
  now: () => Date;
  /** Occurrences missed by more than this are skipped (and reported) instead of sent late. */
  graceMs: number;
  /** Tells the owners about skipped occurrences; `key` is unique per report. */
  report(text: string, key: string): Promise<void>;
  /** Re-read schedules at least this often, to see other instances' changes (default 30 s). */
  reloadMs?: number;
}

/** A watched schedule or system job, and how far it has been checked. */
interface Entry {
  key: string;
  label: string;
  cron?: CronSchedule;
  runAt?: Date;
  /** Occurrences up to here were handled. */
  since: Date;
  schedule?: ScheduleRecord;
  job?: SystemJob;
}

/** Most occurrences looked at per entry per tick (a long outage of a per-minute schedule). */
const MAX_OCCURRENCES = 10_000;

/**
 * Fires schedules and features' system jobs once per occurrence across every instance: each firing
 * first inserts (schedule, occurrence) into ScheduleRun under its unique key, and only the instance
 * whose insert went in fires. The core is `tick()`: compute the occurrences between the last check
 * and now, then claim and fire them; node-cron only calls `tick()` every second.
 *
 * Missed occurrences (no instance was running): the most recent one is sent late when it is late
 * by at most the grace period; every other missed one is recorded as `skipped` and reported.
 */
export class Scheduler {
  readonly id = `scheduler-${randomUUID().slice(0, 8)}`;
  readonly store: ScheduleStore;
  private readonly handlers = new Map<string, ScheduleHandler>();
  private readonly jobs: SystemJob[] = [];
  private entries = new Map<string, Entry>();
  private task: ScheduledTask | undefined;
  private ticking: Promise<void> | undefined;
  private reloadRequested = true;
  private lastReload = 0;
  private readonly warnedNoHandler = new Set<string>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: SchedulerOptions) {
    this.store = new ScheduleStore(options.db, options.now);
  }

  /** Registers the handler for one schedule kind. */
  handle(kind: string, handler: ScheduleHandler): void {
    if (this.handlers.has(kind)) throw new Error(`two handlers for schedule kind "${kind}"`);
    this.handlers.set(kind, handler);
  }

  addJobs(jobs: readonly SystemJob[]): void {
    for (const job of jobs) {
      if (this.jobs.some((j) => j.name === job.name)) throw new Error(`two system jobs named "${job.name}"`);
      new CronSchedule(job.cron, job.timezone);
      this.jobs.push(job);
    }
  }

  /** Loads schedules, catches up on missed occurrences, then ticks every second. */
  async start(): Promise<void> {
    await this.tick();
    this.task = cron.schedule('* * * * * *', () => this.tick(), {
      name: this.id,
      noOverlap: true,
      suppressMissedWarning: true,
    });
  }

  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = undefined;
    await this.ticking;
    await Promise.allSettled([...this.running]);
  }

  /** Schedules changed (created, paused...): re-read them before the next check. */
  changed(): void {
    this.reloadRequested = true;
  }

  /** One check: fires everything due by now. Never throws; overlapping calls share one run. */
  tick(): Promise<void> {
    this.ticking ??= this.check().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async check(): Promise<void> {
    const now = this.options.now();
    try {
      if (this.reloadRequested || now.getTime() - this.lastReload >= (this.options.reloadMs ?? 30_000)) {
        this.reloadRequested = false;
        await this.reload(now);
      }
    } catch (error) {
      this.reloadRequested = true;
      this.options.log.error({ err: error }, 'could not load schedules; will retry');
      return;
    }
    for (const entry of [...this.entries.values()]) {
      try {
        await this.checkEntry(entry, now);
      } catch (error) {
        this.options.log.error({ err: error, schedule: entry.key }, 'schedule check failed; will retry');
      }
    }
  }

  private async reload(now: Date): Promise<void> {
    const schedules = (await this.store.live()).filter((s) => s.status === 'active');
    const keys = [...schedules.map((s) => s.id), ...this.jobs.map((j) => jobKey(j))];
    const lastRuns = await this.store.lastRuns(keys);
    const next = new Map<string, Entry>();
    for (const job of this.jobs) {
      const key = jobKey(job);
      const since = this.entries.get(key)?.since ?? lastRuns.get(key) ?? now;
      next.set(key, {
        key,
        label: `system job ${job.name}`,
        cron: new CronSchedule(job.cron, job.timezone),
        since,
        job,
      });
    }
    for (const schedule of schedules) {
      const entry = this.entryOf(schedule, lastRuns.get(schedule.id));
      if (!entry) continue;
      const previous = this.entries.get(schedule.id);
      if (previous && previous.since > entry.since) entry.since = previous.since;
      next.set(schedule.id, entry);
    }
    this.entries = next;
    this.lastReload = now.getTime();
  }

  private entryOf(schedule: ScheduleRecord, lastRun: Date | undefined): Entry | undefined {
    const label = `schedule ${schedule.id.slice(0, 8)} (${schedule.kind})`;
    // Occurrences before the schedule was created or last resumed are not owed.
    const since = lastRun && lastRun > schedule.updatedAt ? lastRun : schedule.updatedAt;
    if (schedule.runAt)
      return { key: schedule.id, label, runAt: schedule.runAt, since: new Date(0), schedule };
    if (!schedule.cron) return undefined;
    try {
      return {
        key: schedule.id,
        label,
        cron: new CronSchedule(schedule.cron, schedule.timezone),
        since,
        schedule,
      };
    } catch (error) {
      this.warnOnce(schedule.id, `${label} cannot run: ${errorMessage(error)}`);
      return undefined;
    }
  }

  private async checkEntry(entry: Entry, now: Date): Promise<void> {
    const due = entry.cron
      ? entry.cron.between(entry.since, now, MAX_OCCURRENCES).occurrences
      : entry.runAt && entry.runAt <= now
        ? [entry.runAt]
        : [];
    const latest = due.at(-1);
    if (!latest) {
      if (entry.cron) entry.since = now;
      return;
    }
    if (entry.schedule && !this.handlers.has(entry.schedule.kind)) {
      this.warnOnce(entry.key, `${entry.label}: no feature handles "${entry.schedule.kind}" schedules`);
      return;
    }
    const inGrace = now.getTime() - latest.getTime() <= this.options.graceMs;
    const missed = inGrace ? due.slice(0, -1) : due;
    const lastMissed = missed.at(-1);
    if (lastMissed) await this.skip(entry, missed[0] ?? lastMissed, lastMissed, missed.length);
    if (inGrace) await this.fire(entry, latest);
    entry.since = now;
    if (entry.runAt) this.entries.delete(entry.key);
  }

  /** Claims an occurrence and runs it; does nothing when another instance claimed it first. */
  private async fire(entry: Entry, occurrence: Date): Promise<void> {
    const { db, log } = this.options;
    const then = await db.$transaction(async (tx) => {
      if (!(await this.claim(tx, entry.key, occurrence, 'fired', null))) return undefined;
      const work = entry.job
        ? () => (entry.job as SystemJob).run(occurrence)
        : await this.handlers
            .get(entry.schedule?.kind ?? '')
            ?.fire(entry.schedule as ScheduleRecord, occurrence, tx);
      if (entry.runAt) await this.markDone(tx, entry.key);
      return work ?? (async () => {});
    });
    if (!then) return;
    log.info({ schedule: entry.key, occurrence }, `${entry.label} fired`);
    const run = then()
      .catch((error: unknown) =>
        log.error({ err: error, schedule: entry.key, occurrence }, `${entry.label} failed`),
      )
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Records missed occurrences as skipped (one row, for the last) and tells the owners. */
  private async skip(entry: Entry, first: Date, last: Date, count: number): Promise<void> {
    const note =
      count === 1
        ? `missed ${last.toISOString()}`
        : `missed ${count}${count === MAX_OCCURRENCES ? '+' : ''} occurrences from ${first.toISOString()} to ${last.toISOString()}`;
    const claimed = await this.options.db.$transaction(async (tx) => {
      if (!(await this.claim(tx, entry.key, last, 'skipped', note))) return false;
      if (entry.runAt) await this.markDone(tx, entry.key);
      return true;
    });
    if (!claimed) return;
    const graceMinutes = Math.round(this.options.graceMs / 60_000);
    const text = `Hearth was not running when ${entry.label} was due (${note}); more than ${graceMinutes} min late, so it was skipped.`;
    this.options.log.warn({ schedule: entry.key, note }, 'schedule occurrence skipped');
    await this.options.report(text, `schedule-skipped:${entry.key}:${last.toISOString()}`);
  }

  private async claim(tx: Tx, key: string, occurrence: Date, outcome: string, note: string | null) {
    const result = await tx.scheduleRun.createMany({
      data: [
        { scheduleId: key, occurrence, claimedBy: this.id, outcome, note, claimedAt: this.options.now() },
      ],
      skipDuplicates: true,
    });
    return result.count === 1;
  }

  private async markDone(tx: Tx, id: string): Promise<void> {
    await tx.schedule.updateMany({
      where: { id, status: 'active' },
      data: { status: 'done', updatedAt: this.options.now() },
    });
  }

  private warnOnce(key: string, message: string): void {
    if (this.warnedNoHandler.has(key)) return;
    this.warnedNoHandler.add(key);
    this.options.log.warn({ schedule: key }, message);
  }
}

function jobKey(job: SystemJob): string {
  return `system:${job.name}`;
}
