import { Batcher } from '../core/batcher.ts';
import type { Platform } from '../core/events.ts';
import type { Db } from '../db/database.ts';
import type { ImmediateWriter } from '../db/immediate-writer.ts';

/**
 * lastError of a row recorded as sent because its worker died (or stalled past its lease) during
 * its request: the platform may have it, and sending it again could post it twice.
 */
export const IN_DOUBT = 'in doubt: its worker stopped during the request; not sent again';

/**
 * A row its worker may still settle: being sent, or in doubt (its lease ran out during the request
 * while the worker was alive but slow; the worker's outcome then replaces the doubt).
 */
export const stillOpen = { OR: [{ status: 'sending' }, { lastError: IN_DOUBT }] };

interface HoldMark {
  id: bigint;
  workerId: string;
  leaseUntil: Date;
}

/**
 * Departures of outbox rows (PostgreSQL). Right before a row's request, its worker checks it still
 * holds the row (no other worker took it after its lease ran out) and renews the lease (`hold`);
 * right before the request's bytes are handed to the network (the adapter reports it:
 * OutboundMessage.onDeparture) the departure is written at once on a connection of its own
 * (ImmediateWriter), so its bytes leave first, in the same moment (`departed`). A row whose lease
 * then runs out with a departure and no outcome (its process died during the request) is in doubt:
 * Telegram has no idempotency key, so it is recorded as sent and not sent again, unless its
 * platform drops a repeated send (Capabilities.idempotentResend), where it is simply sent again. A
 * process killed between the two writes leaves a row in doubt that never left (recorded as sent,
 * not sent twice). A departure is missing only while the writer's connection is still being made
 * (the process's first sends), and present but wrong if the request was refused and the process
 * died before recording the refusal.
 * Without `records` (the embedded database, one process) nothing is stored and a row whose worker
 * died is sent again.
 */
export class Departures {
  private readonly holds = new Batcher<HoldMark, boolean>((marks) => this.holdMany(marks));
  private readonly departures = new Batcher<{ id: bigint; workerId: string }, undefined>((marks) =>
    this.departMany(marks),
  );
  private resendable: Platform[] = [];

  /**
   * @param immediate where a departure is written the moment its request leaves (PostgreSQL's own
   *   connection); without it departures gather in batches, a little later.
   */
  constructor(
    private readonly db: Db,
    readonly records: boolean,
    private readonly immediate?: ImmediateWriter,
  ) {}

  /** Platforms whose rows in doubt are sent again (the platform drops the repeat). */
  resendInDoubt(platforms: Platform[]): void {
    this.resendable = platforms;
  }

  /**
   * Right before a row's request: renews its lease to `leaseUntil` (on the worker's clock, as its
   * claim was) if `workerId` still holds it. False when it does not: the row must not be sent from there.
   */
  hold(row: { id: bigint }, workerId: string, leaseUntil: Date): Promise<boolean> {
    if (!this.records) return Promise.resolve(true);
    return this.holds.add({ id: row.id, workerId, leaseUntil });
  }

  /**
   * Records that a held row's request has left (its bytes are written). With an immediate writer the
   * statement's bytes leave before this returns, so a process killed right after still records it.
   */
  departed(row: { id: bigint }, workerId: string): Promise<void> {
    if (!this.records) return Promise.resolve();
    if (this.immediate) {
      return this.immediate
        .send(
          `UPDATE outbox SET "departedAt" = now() AT TIME ZONE 'UTC' WHERE id = $1 AND status = 'sending' AND "lockedBy" = $2`,
          [row.id.toString(), workerId],
        )
        .then(() => undefined);
    }
    return this.departures.add({ id: row.id, workerId });
  }

  /** The request did not leave after all (a new turn, a 429 waited out): the row is not in doubt. */
  async notDeparted(row: { id: bigint }, workerId: string): Promise<void> {
    if (!this.records) return;
    await this.db.outbox.updateMany({
      where: { id: row.id, status: 'sending', lockedBy: workerId },
      data: { departedAt: null },
    });
  }

  /** Rows whose lease ran out during their request are recorded as sent, in doubt (see above). */
  async settleInDoubt(now: Date): Promise<void> {
    if (!this.records) return;
    await this.db.outbox.updateMany({
      where: {
        status: 'sending',
        lockedUntil: { lt: now },
        departedAt: { not: null },
        platform: { notIn: this.resendable },
      },
      data: { status: 'sent', sentAt: now, lockedUntil: null, lastError: IN_DOUBT },
    });
  }

  /** One UPDATE for the holds of a tick: leases renewed where still held. */
  private async holdMany(marks: HoldMark[]): Promise<boolean[]> {
    const updated = await this.db.$queryRaw<{ id: bigint }[]>`
      UPDATE outbox AS o SET "lockedUntil" = greatest(o."lockedUntil", v.lease_until::timestamp(3))
      FROM unnest(
        ${marks.map((m) => m.id.toString())}::text[],
        ${marks.map((m) => m.workerId)}::text[],
        ${marks.map((m) => m.leaseUntil.toISOString())}::text[]
      ) AS v(id, worker_id, lease_until)
      WHERE o.id = v.id::bigint AND o.status = 'sending' AND o."lockedBy" = v.worker_id
      RETURNING o.id`;
    const held = new Set(updated.map((row) => row.id.toString()));
    return marks.map((m) => held.has(m.id.toString()));
  }

  /** One UPDATE for the departures of a tick. */
  private async departMany(marks: { id: bigint; workerId: string }[]): Promise<undefined[]> {
    await this.db.$executeRaw`
      UPDATE outbox AS o SET "departedAt" = ${new Date()}
      FROM unnest(${marks.map((m) => m.id.toString())}::text[], ${marks.map((m) => m.workerId)}::text[])
        AS v(id, worker_id)
      WHERE o.id = v.id::bigint AND o.status = 'sending' AND o."lockedBy" = v.worker_id`;
    return marks.map(() => undefined);
  }
}
