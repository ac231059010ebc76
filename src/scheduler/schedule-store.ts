import { UserFacingError } from '../core/errors.ts';
import type { Db, Prisma } from '../db/database.ts';
import type { When } from './when.ts';

export type ScheduleStatus = 'active' | 'paused' | 'cancelled' | 'done';

/** A Schedule row as the scheduler and the owner commands see it. */
export interface ScheduleRecord {
  id: string;
  kind: string;
  cron: string | null;
  runAt: Date | null;
  timezone: string;
  payload: Prisma.JsonValue;
  status: string;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewSchedule {
  kind: string;
  when: When;
  payload: Prisma.InputJsonValue;
  createdBy?: string;
}

/** Schedule rows: one-off (`runAt`) or recurring (`cron` + `timezone`). */
export class ScheduleStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  async create(request: NewSchedule): Promise<ScheduleRecord> {
    const at = this.now();
    const { when } = request;
    return this.db.schedule.create({
      data: {
        kind: request.kind,
        cron: when.kind === 'cron' ? when.cron : null,
        runAt: when.kind === 'once' ? when.runAt : null,
        timezone: when.timezone,
        payload: request.payload,
        createdBy: request.createdBy ?? null,
        createdAt: at,
        updatedAt: at,
      },
    });
  }

  /** Schedules the scheduler must watch (active) or show (paused). */
  live(): Promise<ScheduleRecord[]> {
    return this.db.schedule.findMany({
      where: { status: { in: ['active', 'paused'] } },
      orderBy: { createdAt: 'asc' },
    });
  }

  /** Finds a schedule by its id or an unambiguous prefix of it (at least 4 characters). */
  async find(ref: string): Promise<ScheduleRecord | null> {
    const id = ref.trim().toLowerCase();
    if (id.length < 4) return null;
    const rows = await this.db.schedule.findMany({ where: { id: { startsWith: id } }, take: 2 });
    if (rows.length > 1)
      throw new UserFacingError(`"${ref}" matches more than one schedule; give more of the id.`);
    return rows[0] ?? null;
  }

  /** Moves a schedule between statuses; returns false when it was not in one of `from`. */
  async setStatus(id: string, to: ScheduleStatus, from: ScheduleStatus[]): Promise<boolean> {
    const result = await this.db.schedule.updateMany({
      where: { id, status: { in: from } },
      data: { status: to, updatedAt: this.now() },
    });
    return result.count === 1;
  }

  /** The latest claimed occurrence per key (schedule id or `system:<name>`). */
  async lastRuns(keys: string[]): Promise<Map<string, Date>> {
    if (keys.length === 0) return new Map();
    const groups = await this.db.scheduleRun.groupBy({
      by: ['scheduleId'],
      where: { scheduleId: { in: keys } },
      _max: { occurrence: true },
    });
    const map = new Map<string, Date>();
    for (const g of groups) if (g._max.occurrence) map.set(g.scheduleId, g._max.occurrence);
    return map;
  }
}
