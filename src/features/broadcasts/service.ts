import type { Services } from '../../app/context.ts';
import { UserFacingError } from '../../core/errors.ts';
import type { Db, Prisma, Tx } from '../../db/database.ts';
import type { Audience } from './audience.ts';
import type { BroadcastContent } from './content.ts';
import { FanOut } from './fan-out.ts';
import type { ProgressReporter } from './progress.ts';

export interface NewBroadcast {
  content: BroadcastContent;
  audience: Audience;
  createdBy?: string | null;
  scheduleId?: string;
  occurrence?: Date;
}

export interface BroadcastSummary {
  id: string;
  status: string;
  total: number;
  label: string;
  createdAt: Date;
}

/** Pace for a platform the limiter has no rate for (no running adapter declares one). */
const DEFAULT_SENDS_PER_SECOND = 30;

/** Creates broadcasts, runs their fan-out in the background, resumes it after a restart, cancels. */
export class BroadcastService {
  private readonly fanOut: FanOut;
  private readonly active = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(
    private readonly services: Services,
    private readonly progress: ProgressReporter,
    batchSize: number,
  ) {
    this.fanOut = new FanOut({
      db: services.db,
      capabilitiesOf: services.capabilitiesOf,
      batchSize,
      now: services.now,
      rateOf: (platform) => services.sendRateOf(platform) ?? DEFAULT_SENDS_PER_SECOND,
      onBatch: () => services.wakeDelivery(),
    });
  }

  /** Records a broadcast (inside `tx` when given) and queues its first progress message to the owners. */
  async create(request: NewBroadcast, tx: Tx | Db = this.services.db): Promise<string> {
    const row = await tx.broadcast.create({
      data: {
        payload: request.content as unknown as Prisma.InputJsonValue,
        audience: request.audience as unknown as Prisma.InputJsonValue,
        createdBy: request.createdBy ?? null,
        scheduleId: request.scheduleId ?? null,
        occurrence: request.occurrence ?? null,
        createdAt: this.services.now(),
      },
      select: { id: true },
    });
    await this.services.outbox.enqueue(this.progress.firstMessage(row.id, request.audience.label), tx);
    return row.id;
  }

  /** Starts (or resumes) the fan-out of a broadcast in the background; a no-op if it already runs here. */
  launch(id: string): void {
    if (this.stopping || this.active.has(id)) return;
    const run = this.runFanOut(id)
      .catch((error: unknown) =>
        this.services.log.error(
          { err: error, broadcastId: id },
          'broadcast fan-out failed; resumes at next start',
        ),
      )
      .finally(() => this.active.delete(id));
    this.active.set(id, run);
  }

  /** Resumes every broadcast a previous run left half-enqueued. Returns how many. */
  async resumeAll(): Promise<number> {
    const rows = await this.services.db.broadcast.findMany({
      where: { status: 'enqueuing' },
      select: { id: true },
    });
    for (const row of rows) this.launch(row.id);
    if (rows.length > 0) this.services.log.info({ broadcasts: rows.length }, 'resuming broadcasts');
    return rows.length;
  }

  /** Waits for running fan-outs to reach their next page boundary; used by tests and stop(). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.active.values()]);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.settled();
  }

  /** Finds a broadcast by id or an unambiguous prefix (at least 4 characters). */
  async find(ref: string): Promise<BroadcastSummary | null> {
    const id = ref.trim().toLowerCase();
    if (id.length < 4) return null;
    const rows = await this.services.db.broadcast.findMany({ where: { id: { startsWith: id } }, take: 2 });
    if (rows.length > 1)
      throw new UserFacingError(`"${ref}" matches more than one broadcast; give more of the id.`);
    return rows[0] ? summary(rows[0]) : null;
  }

  /** Broadcasts still going out. */
  async live(): Promise<BroadcastSummary[]> {
    const rows = await this.services.db.broadcast.findMany({
      where: { status: { in: ['enqueuing', 'sending'] } },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map(summary);
  }

  /** Stops a broadcast: no more fan-out, pending messages cancelled. Returns how many were cancelled, or null. */
  async cancel(id: string): Promise<number | null> {
    return this.services.db.$transaction(async (tx) => {
      const moved = await tx.broadcast.updateMany({
        where: { id, status: { in: ['enqueuing', 'sending'] } },
        data: { status: 'cancelled', finishedAt: this.services.now() },
      });
      if (moved.count === 0) return null;
      const rows = await tx.outbox.updateMany({
        where: { broadcastId: id, status: 'pending' },
        data: { status: 'cancelled' },
      });
      return rows.count;
    });
  }

  private async runFanOut(id: string): Promise<void> {
    const row = await this.services.db.broadcast.findUnique({ where: { id } });
    if (row?.status !== 'enqueuing') return;
    const done = await this.fanOut.run(row, () => this.stopping);
    if (done) {
      this.services.log.info({ broadcastId: id }, 'broadcast fully enqueued');
      this.services.wakeDelivery();
      void this.progress.update();
    }
  }
}

function summary(row: {
  id: string;
  status: string;
  total: number;
  audience: unknown;
  createdAt: Date;
}): BroadcastSummary {
  const label = (row.audience as { label?: string } | null)?.label ?? '';
  return { id: row.id, status: row.status, total: row.total, label, createdAt: row.createdAt };
}
