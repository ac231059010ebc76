import { randomBytes } from 'node:crypto';
import type { Prisma } from '../../src/db/database.ts';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { type ScheduleHandler, Scheduler } from '../../src/scheduler/scheduler.ts';
import type { SystemJob } from '../../src/scheduler/system-job.ts';
import type { When } from '../../src/scheduler/when.ts';
import { CapturingLogger } from '../support/logger.ts';
import { createPostgresDatabase } from '../support/postgres.ts';

/** A settable clock. */
export class FakeClock {
  constructor(private at: Date) {}
  now = (): Date => new Date(this.at);
  set(at: Date | string): void {
    this.at = new Date(at);
  }
  advance(ms: number): void {
    this.at = new Date(this.at.getTime() + ms);
  }
}

export interface Firing {
  scheduleId: string;
  occurrence: string;
  by: string;
}

/** A scheduler on `database` with a fake clock and a `test` handler that records firings in `fired`. */
export function testScheduler(
  database: Database,
  clock: FakeClock,
  fired: Firing[],
  options: { graceMs?: number; jobs?: SystemJob[] } = {},
) {
  const reports: string[] = [];
  const log = new CapturingLogger();
  const scheduler = new Scheduler({
    db: database.prisma,
    log,
    now: clock.now,
    graceMs: options.graceMs ?? 15 * 60_000,
    report: async (text) => {
      reports.push(text);
    },
  });
  const handler: ScheduleHandler = {
    async fire(schedule, occurrence, tx) {
      // Work inside the claim's transaction is visible to the test through the DB.
      await tx.metricEvent.create({ data: { type: 'test_fired', data: { scheduleId: schedule.id } } });
      return async () => {
        fired.push({ scheduleId: schedule.id, occurrence: occurrence.toISOString(), by: scheduler.id });
      };
    },
  };
  scheduler.handle('test', handler);
  if (options.jobs) scheduler.addJobs(options.jobs);
  return { scheduler, reports, log };
}

export async function createSchedule(scheduler: Scheduler, when: When, payload: Prisma.InputJsonValue = {}) {
  const created = await scheduler.store.create({ kind: 'test', when, payload });
  scheduler.changed();
  return created;
}

/**
 * Two Database handles on one database: two connection pools on one PostgreSQL database (like two
 * instances), or the same PGlite (one process per PGlite folder).
 */
export async function openTwins(
  kind: 'pglite' | 'postgres',
  open: () => Promise<Database>,
): Promise<[Database, Database, () => Promise<void>]> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (kind === 'pglite' || !serverUrl) {
    const db = await open();
    return [db, db, () => db.close()];
  }
  const fresh = await createPostgresDatabase(serverUrl);
  const a = await openDatabase({ url: fresh.url, poolSize: 4 });
  await a.migrate();
  const b = await openDatabase({ url: fresh.url, poolSize: 4 });
  return [
    a,
    b,
    async () => {
      await a.close();
      await b.close();
      await fresh.drop();
    },
  ];
}

export function tag(): string {
  return randomBytes(3).toString('hex');
}
