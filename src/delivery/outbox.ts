import { Prisma } from '../../prisma/generated/client.ts';
import { Batcher } from '../core/batcher.ts';
import type { EnqueueRequest } from '../core/context.ts';
import type { ChatAddress, Platform, ReplyHandle } from '../core/events.ts';
import type { OutboundContent } from '../core/outbound.ts';
import type { Db, Tx } from '../db/database.ts';
import type { ImmediateWriter } from '../db/immediate-writer.ts';
import { Departures, IN_DOUBT, stillOpen } from './departures.ts';

/**
 * Sends finish one by one; on the embedded database their marks gather this long into one UPDATE
 * (its one thread keeps up with a broadcast's thousands of sends a second only in large batches).
 * With PostgreSQL a mark goes at once (batched only while the previous runs): a process killed
 * between a send and its mark sends that row again, so that window is kept short.
 */
export const SENT_MARK_LINGER_MS = 25;

/** Most marks in one UPDATE (they gather while one runs; large batches keep the embedded DB up). */
const SENT_MARK_BATCH = 2_000;

/**
 * Claims look for rows whose lease ran out (their worker died mid-send) this often, or once a lease
 * if leases are shorter: a scan of the rows being sent, cheap next to a lease (a minute by default)
 * but not free at every claim.
 */
const EXPIRED_LEASE_SWEEP_MS = 10_000;

/** A claimed outbox row, ready to send. */
export interface OutboxRow {
  id: bigint;
  platform: Platform;
  chatId: string;
  threadId: string | null;
  payload: OutboundContent;
  attempts: number;
  correlationId: string | null;
  replyHandle: ReplyHandle | null;
  memberId: string | null;
  broadcastId: string | null;
  /** When the row became due; claims hand rows out in (availableAt, id) order. */
  availableAt: Date;
  /** Until when this worker's lease lasts (then another claim may take the row). */
  lockedUntil: Date;
}

export function addressOf(row: Pick<OutboxRow, 'platform' | 'chatId' | 'threadId'>): ChatAddress {
  return row.threadId
    ? { platform: row.platform, chatId: row.chatId, threadId: row.threadId }
    : { platform: row.platform, chatId: row.chatId };
}

export function chatKey(row: Pick<OutboxRow, 'platform' | 'chatId'>): string {
  return `${row.platform}\u0000${row.chatId}`;
}

/** Rows grouped by chat (platform, chatId), each group in queue order (availableAt, id). */
export function chatGroups(rows: OutboxRow[]): OutboxRow[][] {
  const groups = new Map<string, OutboxRow[]>();
  for (const row of rows) {
    const key = chatKey(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return [...groups.values()];
}

interface SentMark {
  id: bigint;
  workerId: string;
  platformMessageId: string;
}

/**
 * A running delivery worker in this process that takes new rows straight from their INSERT: they
 * are stored already leased to it (as a claim would lease them), which saves the claim's round trip.
 */
export interface DirectTaker {
  readonly id: string;
  /** How many rows of `platform` it can start on now (0: leave them to the queue). */
  roomFor(platform: Platform): number;
  /** Starts delivering rows that were stored leased to it. */
  take(rows: OutboxRow[]): void;
  /** Rows were stored for a claim: until a claim has seen them, new rows must not overtake them. */
  queued(): void;
}

/** A stored enqueue: its row id, and whether the local worker took it directly. */
export interface Enqueued {
  id: string;
  handedOff: boolean;
}

function toData(request: EnqueueRequest): Prisma.OutboxCreateManyInput {
  return {
    platform: request.to.platform,
    chatId: request.to.chatId,
    threadId: request.to.threadId ?? null,
    payload: request.content as unknown as Prisma.InputJsonValue,
    correlationId: request.correlationId ?? null,
    ...(request.replyHandle ? { replyHandle: request.replyHandle as unknown as Prisma.InputJsonValue } : {}),
    memberId: request.memberId ?? null,
    broadcastId: request.broadcastId ?? null,
    dedupeKey: request.dedupeKey ?? null,
    availableAt: request.availableAt ?? new Date(),
  };
}

/** The outbox table: every outbound message is a row here first. */
export class Outbox {
  /** Plain enqueues (no transaction, no dedupe key) at the same time: one INSERT per tick. */
  private readonly inserts = new Batcher<Prisma.OutboxCreateManyInput, Enqueued>((rows) =>
    this.insertMany(rows),
  );
  private taker: DirectTaker | undefined;
  /** How long rows handed to the taker are leased to it. */
  private takerLeaseMs = 0;
  /** Sends recorded within a few milliseconds of each other: one UPDATE (rows stay leased meanwhile). */
  private readonly sentMarks: Batcher<SentMark, boolean>;

  private lastLeaseSweep = Number.NEGATIVE_INFINITY;

  /** Departures recorded right before requests leave, and rows in doubt (see Departures). */
  readonly departures: Departures;

  /**
   * @param sentMarkLingerMs how long sent marks gather before their UPDATE (see SENT_MARK_LINGER_MS).
   * @param recordsDepartures whether departures are stored (PostgreSQL): see Departures.
   * @param immediate where departures are written the moment requests leave (see Departures).
   */
  constructor(
    private readonly db: Db,
    sentMarkLingerMs = SENT_MARK_LINGER_MS,
    recordsDepartures = false,
    immediate?: ImmediateWriter,
  ) {
    this.departures = new Departures(db, recordsDepartures, immediate);
    this.sentMarks = new Batcher((marks) => this.markSentMany(marks), SENT_MARK_BATCH, sentMarkLingerMs);
  }

  /** Enqueues one message (inside `tx` when given); returns the row id once the row is stored. */
  async enqueue(request: EnqueueRequest, tx: Tx | Db = this.db): Promise<string> {
    const data = toData(request);
    if (tx === this.db && !data.dedupeKey) return (await this.inserts.add(data)).id;
    this.taker?.queued();
    if (data.dedupeKey) {
      const rows = await tx.outbox.createManyAndReturn({
        data: [data],
        skipDuplicates: true,
        select: { id: true },
      });
      if (rows[0]) return rows[0].id.toString();
      const existing = await tx.outbox.findUniqueOrThrow({ where: { dedupeKey: data.dedupeKey } });
      return existing.id.toString();
    }
    const row = await tx.outbox.create({ data, select: { id: true } });
    return row.id.toString();
  }

  /**
   * Enqueues one plain message (no transaction, no dedupe key) with others of the same tick; when
   * the local worker has room for it, it is stored leased to that worker and handed to it directly
   * (`handedOff`), else it waits in the queue for a claim.
   */
  async submit(request: EnqueueRequest): Promise<Enqueued> {
    if (request.dedupeKey) return { id: await this.enqueue(request), handedOff: false };
    return this.inserts.add(toData(request));
  }

  /** Sets (or clears) the running local worker that takes new due rows directly, leased `leaseMs`. */
  handOffTo(taker: DirectTaker | undefined, leaseMs: number): void {
    this.taker = taker;
    this.takerLeaseMs = leaseMs;
  }

  /** Enqueues many messages in one statement; rows whose dedupeKey exists are skipped. Returns how many were new. */
  async enqueueMany(requests: EnqueueRequest[], tx: Tx | Db = this.db): Promise<number> {
    if (requests.length === 0) return 0;
    this.taker?.queued();
    const result = await tx.outbox.createMany({ data: requests.map(toData), skipDuplicates: true });
    return result.count;
  }

  /**
   * Claims up to `limit` due rows for `workerId` (FOR UPDATE SKIP LOCKED: several workers and
   * processes never claim the same row), in queue order along the (status, availableAt, id) index.
   * A row whose lease ran out (its worker died mid-send) is due again, found at the next sweep.
   * Rows of `excludePlatforms` (paused, or with enough in memory already) are left for later; rows
   * due within `lookaheadMs` of `now` count as due (the caller waits for their time).
   */
  async claim(
    workerId: string,
    limit: number,
    now: Date,
    leaseMs: number,
    options: { excludePlatforms?: Platform[]; lookaheadMs?: number } = {},
  ): Promise<OutboxRow[]> {
    const { excludePlatforms = [], lookaheadMs = 0 } = options;
    const at = now.getTime();
    const dueBy = new Date(at + lookaheadMs);
    const sweepEvery = Math.min(EXPIRED_LEASE_SWEEP_MS, leaseMs);
    if (at - this.lastLeaseSweep >= sweepEvery || at < this.lastLeaseSweep) {
      this.lastLeaseSweep = at;
      await this.returnExpiredLeases(now);
    }
    const leaseUntil = new Date(at + leaseMs);
    const platforms =
      excludePlatforms.length > 0
        ? Prisma.sql`AND platform <> ALL(${excludePlatforms}::text[])`
        : Prisma.empty;
    const rows = await this.db.$queryRaw<(Omit<OutboxRow, 'platform'> & { platform: string })[]>`
      UPDATE outbox SET status = 'sending', "lockedBy" = ${workerId}, "lockedUntil" = ${leaseUntil},
        attempts = attempts + 1
      WHERE id IN (
        SELECT id FROM outbox
        WHERE status = 'pending' AND "availableAt" <= ${dueBy} ${platforms}
        ORDER BY "availableAt", id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, platform, "chatId", "threadId", payload, attempts, "correlationId", "replyHandle",
        "memberId", "broadcastId", "availableAt", "lockedUntil"`;
    // RETURNING has no order: put the batch back in queue order.
    return rows
      .map((row) => ({ ...row, platform: row.platform as Platform }))
      .sort(
        (a, b) =>
          a.availableAt.getTime() - b.availableAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      );
  }

  /** Rows whose lease ran out go back to pending in place; those whose request had left are in doubt. */
  private async returnExpiredLeases(now: Date): Promise<void> {
    await this.departures.settleInDoubt(now);
    await this.db.outbox.updateMany({
      where: { status: 'sending', lockedUntil: { lt: now } },
      data: { status: 'pending', lockedBy: null, lockedUntil: null, departedAt: null },
    });
  }

  /**
   * Records a send (a row recorded as sent is never sent again): by the worker holding the lease, or
   * after its lease ran out while nobody has claimed the row yet (it was sent: sending it again
   * would be the duplicate). False when another worker holds the row now.
   */
  markSent(row: OutboxRow, workerId: string, platformMessageId: string): Promise<boolean> {
    return this.sentMarks.add({ id: row.id, workerId, platformMessageId });
  }

  /**
   * Extends this worker's lease on a row it still holds until `until`: false when the lease ran out
   * and another claim took the row (then it must not be sent from here).
   */
  async renewLease(row: OutboxRow, workerId: string, until: Date): Promise<boolean> {
    const result = await this.db.outbox.updateMany({
      where: { id: row.id, status: 'sending', lockedBy: workerId },
      data: { lockedUntil: until },
    });
    if (result.count === 0) return false;
    row.lockedUntil = until;
    return true;
  }

  /** Puts a claimed row back to wait until `availableAt`; `countAttempt: false` for rate limits. */
  async release(
    row: OutboxRow,
    workerId: string,
    availableAt: Date,
    error: string | null,
    countAttempt: boolean,
  ) {
    await this.db.outbox.updateMany({
      where: { id: row.id, status: { in: ['sending', 'sent'] }, lockedBy: workerId, ...stillOpen },
      data: {
        status: 'pending',
        availableAt,
        lockedUntil: null,
        lockedBy: null,
        departedAt: null,
        lastError: error,
        ...(countAttempt ? {} : { attempts: { decrement: 1 } }),
      },
    });
  }

  /** Gives up on a row: it stays in the table as a dead letter with the reason. */
  async deadLetter(row: OutboxRow, workerId: string, error: string): Promise<void> {
    await this.db.outbox.updateMany({
      where: { id: row.id, status: { in: ['sending', 'sent'] }, lockedBy: workerId, ...stillOpen },
      data: { status: 'dead', lockedUntil: null, lastError: error },
    });
  }

  /** Cancels pending rows, e.g. a member's pending broadcast messages after STOP. */
  async cancelPending(
    where: { memberId: string; broadcastOnly: boolean },
    tx: Tx | Db = this.db,
  ): Promise<number> {
    const result = await tx.outbox.updateMany({
      where: {
        memberId: where.memberId,
        status: 'pending',
        ...(where.broadcastOnly ? { broadcastId: { not: null } } : {}),
      },
      data: { status: 'cancelled' },
    });
    return result.count;
  }

  /**
   * Inserts rows in one statement; returns their ids in the rows' order. Due rows the local worker
   * has room for are stored leased to it (status 'sending', attempts 1, as a claim leaves them) and
   * handed to it. Raw SQL: Prisma's createManyAndReturn compiles a plan as large as the rows.
   */
  private async insertMany(rows: Prisma.OutboxCreateManyInput[]): Promise<Enqueued[]> {
    const now = new Date();
    const taker = this.taker;
    const leaseUntil = taker ? new Date(now.getTime() + this.takerLeaseMs) : null;
    const column = <T>(pick: (r: Prisma.OutboxCreateManyInput) => T) => rows.map(pick);
    const payloads = column((r) => JSON.stringify(r.payload));
    const handles = column((r) => (r.replyHandle ? JSON.stringify(r.replyHandle) : null));
    const availableAt = column((r) => new Date(r.availableAt ?? now));
    const room = new Map<string, number>();
    const leased = rows.map((r, i) => {
      if (!taker || (availableAt[i] as Date) > now) return false;
      const left = room.get(r.platform) ?? taker.roomFor(r.platform as Platform);
      room.set(r.platform, left - 1);
      return left > 0;
    });
    // RETURNING only the ids: the rows handed to the worker are built from what was inserted.
    const created = await this.db.$queryRaw<{ id: bigint }[]>`
      INSERT INTO outbox (platform, "chatId", "threadId", payload, "correlationId", "replyHandle",
        "memberId", "broadcastId", "dedupeKey", "availableAt", status, "lockedBy", "lockedUntil", attempts)
      SELECT platform, chat_id, thread_id, payload::jsonb, correlation_id, reply_handle::jsonb, member_id,
        broadcast_id, dedupe_key, available_at::timestamp(3),
        CASE WHEN leased THEN 'sending' ELSE 'pending' END,
        CASE WHEN leased THEN ${taker?.id ?? null}::text END,
        CASE WHEN leased THEN ${leaseUntil}::timestamp(3) END,
        CASE WHEN leased THEN 1 ELSE 0 END
      FROM unnest(
        ${column((r) => r.platform)}::text[], ${column((r) => r.chatId)}::text[],
        ${column((r) => r.threadId ?? null)}::text[], ${payloads}::text[],
        ${column((r) => r.correlationId ?? null)}::text[], ${handles}::text[],
        ${column((r) => r.memberId ?? null)}::text[],
        ${column((r) => r.broadcastId ?? null)}::text[], ${column((r) => r.dedupeKey ?? null)}::text[],
        ${availableAt.map((at) => at.toISOString())}::text[], ${leased}::bool[]
      ) AS v(platform, chat_id, thread_id, payload, correlation_id, reply_handle, member_id, broadcast_id,
        dedupe_key, available_at, leased)
      RETURNING id`;
    // Ids come from a sequence in the rows' order, within one statement.
    const ids = created.map((row) => row.id).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const handed: OutboxRow[] = [];
    rows.forEach((r, i) => {
      const id = ids[i];
      if (!leased[i] || id === undefined) return;
      handed.push({
        id,
        platform: r.platform as Platform,
        chatId: r.chatId,
        threadId: r.threadId ?? null,
        // As stored (JSON), not the caller's object.
        payload: JSON.parse(payloads[i] as string) as OutboundContent,
        attempts: 1,
        correlationId: r.correlationId ?? null,
        replyHandle: (r.replyHandle as ReplyHandle | undefined) ?? null,
        memberId: r.memberId ?? null,
        broadcastId: r.broadcastId ?? null,
        availableAt: availableAt[i] as Date,
        lockedUntil: leaseUntil as Date,
      });
    });
    if (taker && handed.length > 0) taker.take(handed);
    if (handed.length < ids.length) taker?.queued();
    return ids.map((id, i) => ({ id: id.toString(), handedOff: leased[i] === true }));
  }

  /** One UPDATE for many marks; arrays (unnest), so the statement stays small however many there are. */
  private async markSentMany(marks: SentMark[]): Promise<boolean[]> {
    const updated = await this.db.$queryRaw<{ id: bigint }[]>`
      UPDATE outbox AS o SET status = 'sent', "sentAt" = ${new Date()}, "platformMessageId" = v.message_id,
        "lockedUntil" = NULL, "lastError" = NULL
      FROM unnest(
        ${marks.map((m) => m.id.toString())}::text[],
        ${marks.map((m) => m.workerId)}::text[],
        ${marks.map((m) => m.platformMessageId)}::text[]
      ) AS v(id, worker_id, message_id)
      WHERE o.id = v.id::bigint
        AND ((o.status = 'sending' AND o."lockedBy" = v.worker_id)
          OR (o.status = 'pending' AND o."lockedBy" IS NULL)
          OR (o.status = 'sent' AND o."lockedBy" = v.worker_id AND o."lastError" = ${IN_DOUBT}))
      RETURNING o.id`;
    const recorded = new Set(updated.map((row) => row.id.toString()));
    return marks.map((m) => recorded.has(m.id.toString()));
  }

  /** Counts by status, for health and metrics. */
  async counts(where: Prisma.OutboxWhereInput = {}): Promise<Record<string, number>> {
    const groups = await this.db.outbox.groupBy({ by: ['status'], where, _count: { _all: true } });
    return Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
  }
}
