import type { Capabilities } from '../../core/adapter.ts';
import type { Platform } from '../../core/events.ts';
import type { OutboundContent } from '../../core/outbound.ts';
import type { Db, Tx } from '../../db/database.ts';
import { type Audience, audienceFromJson } from './audience.ts';
import { type BroadcastRowInput, insertBroadcastRows } from './bulk-insert.ts';
import { contentFromJson, renderContent } from './content.ts';

/**
 * Once the rows written run this far ahead of their send times, the fan-out rests between pages
 * as long as each page took (at most MAX_REST_MS): it then holds the database at most half the
 * time, and claims, sends and replies to customers get the rest (the embedded database runs one
 * statement at a time).
 */
const RELAXED_LEAD_MS = 2_000;
const MAX_REST_MS = 1_000;

/** Where fan-out stopped: channels not done yet, or topic `topic` done up to member `after`. */
type Cursor = { phase: 'channels' } | { phase: 'members'; topic: number; after: string };

export function parseCursor(value: string | null): Cursor {
  if (!value) return { phase: 'channels' };
  const parsed = JSON.parse(value) as Cursor;
  return parsed.phase === 'members' ? parsed : { phase: 'channels' };
}

export interface FanOutDeps {
  db: Db;
  capabilitiesOf(platform: Platform): Capabilities | undefined;
  /** Subscribers read and enqueued per transaction. */
  batchSize: number;
  now(): Date;
  /** Messages per second the platform takes: rows are paced to it (see Pacer). */
  rateOf(platform: Platform): number;
  /** Called after each committed batch (wake the delivery worker). */
  onBatch(enqueued: number): void;
}

export interface BroadcastRow {
  id: string;
  payload: unknown;
  audience: unknown;
  status: string;
  cursor: string | null;
}

/**
 * Turns a broadcast into outbox rows, a batch per transaction: keyset pages over Subscription, one
 * `createMany` per page with dedupeKey `broadcast:<id>:<member|channel>` (a re-run inserts nothing
 * twice), and the cursor saved in the same transaction so a restart resumes where it stopped.
 * Subscription rows are read `FOR SHARE`, so an unsubscribe waits for the page's commit and its
 * cancellation of pending rows then sees them: STOP wins.
 */
export class FanOut {
  constructor(private readonly deps: FanOutDeps) {}

  /** Runs until the broadcast is fully enqueued, cancelled, or `shouldStop()` says so. Returns true when done. */
  async run(broadcast: BroadcastRow, shouldStop: () => boolean): Promise<boolean> {
    const audience = audienceFromJson(broadcast.audience);
    const content = contentFromJson(broadcast.payload);
    const rendered = new Map<Platform, OutboundContent>();
    const render = (platform: Platform) => {
      let c = rendered.get(platform);
      if (!c) {
        c = renderContent(content, this.deps.capabilitiesOf(platform));
        rendered.set(platform, c);
      }
      return c;
    };
    let cursor = parseCursor(broadcast.cursor);
    // Fresh planner statistics after bulk sign-ups (PGlite has no autovacuum) keep pages cheap.
    await this.deps.db.$executeRawUnsafe('ANALYZE subscription, identity');
    const pacer = new Pacer(this.deps.now, this.deps.rateOf);
    while (!shouldStop()) {
      const at = cursor;
      const pageStart = performance.now();
      let step: Step;
      try {
        step = await this.deps.db.$transaction(async (tx) =>
          at.phase === 'channels'
            ? this.channels(tx, broadcast.id, audience, render, pacer)
            : this.members(tx, broadcast.id, audience, at, render, pacer),
        );
      } catch (error) {
        if (error instanceof CancelledDuringFanOut) return false;
        throw error;
      }
      if (step.enqueued > 0) this.deps.onBatch(step.enqueued);
      if (step.next === 'done') return true;
      cursor = step.next;
      // Let queries queued meanwhile (the worker's claims, replies) in before the next page; once
      // the schedule is well ahead of the clock, rest as long as the page took.
      const lead = pacer.leadMs();
      const pageMs = performance.now() - pageStart;
      const restMs = lead > RELAXED_LEAD_MS ? Math.min(MAX_REST_MS, pageMs) : 1;
      await new Promise((resolve) => setTimeout(resolve, restMs));
    }
    return false;
  }

  private async channels(
    tx: Tx,
    id: string,
    audience: Audience,
    render: (p: Platform) => OutboundContent,
    pacer: Pacer,
  ): Promise<Step> {
    const channels = audience.channelIds.length
      ? await tx.channel.findMany({ where: { id: { in: audience.channelIds }, active: true } })
      : [];
    const requests: BroadcastRowInput[] = channels.map((c) => ({
      platform: c.platform as Platform,
      chatId: c.chatId,
      ...(c.threadId ? { threadId: c.threadId } : {}),
      content: render(c.platform as Platform),
      dedupeKey: `broadcast:${id}:${c.id}`,
      availableAt: pacer.next(c.platform as Platform),
    }));
    return this.commit(tx, id, requests, { phase: 'members', topic: 0, after: '' });
  }

  private async members(
    tx: Tx,
    id: string,
    audience: Audience,
    cursor: Extract<Cursor, { phase: 'members' }>,
    render: (p: Platform) => OutboundContent,
    pacer: Pacer,
  ): Promise<Step> {
    const topic = audience.topics[cursor.topic];
    if (topic === undefined) return this.commit(tx, id, [], 'done');
    const rows = await tx.$queryRaw<
      { memberId: string; platform: string; dmChatId: string | null; reachable: boolean }[]
    >`
      SELECT s."memberId", s.platform, i."dmChatId", i.reachable
      FROM (
        SELECT "memberId", platform, "identityId" FROM subscription
        WHERE topic = ${topic} AND "memberId" > ${cursor.after}
        ORDER BY "memberId"
        LIMIT ${this.deps.batchSize}
        FOR SHARE) s
      JOIN identity i ON i.id = s."identityId"
      ORDER BY s."memberId"`;
    const requests: BroadcastRowInput[] = [];
    for (const r of rows) {
      if (!r.dmChatId || !r.reachable) continue;
      requests.push({
        platform: r.platform as Platform,
        chatId: r.dmChatId,
        content: render(r.platform as Platform),
        memberId: r.memberId,
        dedupeKey: `broadcast:${id}:${r.memberId}`,
        availableAt: pacer.next(r.platform as Platform),
      });
    }
    const last = rows.at(-1);
    const next: Cursor | 'done' =
      rows.length === this.deps.batchSize && last
        ? { phase: 'members', topic: cursor.topic, after: last.memberId }
        : cursor.topic + 1 < audience.topics.length
          ? { phase: 'members', topic: cursor.topic + 1, after: '' }
          : 'done';
    return this.commit(tx, id, requests, next);
  }

  /** Inserts the page and moves the cursor, unless the broadcast was cancelled meanwhile. */
  private async commit(
    tx: Tx,
    id: string,
    requests: BroadcastRowInput[],
    next: Cursor | 'done',
  ): Promise<Step> {
    const enqueued = await insertBroadcastRows(tx, id, requests);
    const moved = await tx.broadcast.updateMany({
      where: { id, status: 'enqueuing' },
      data: {
        total: { increment: enqueued },
        ...(next === 'done' ? { status: 'sending', cursor: null } : { cursor: JSON.stringify(next) }),
      },
    });
    if (moved.count === 0) throw new CancelledDuringFanOut();
    return { enqueued, next };
  }
}

type Step = { enqueued: number; next: Cursor | 'done' };

/** Rolls back a page whose broadcast was cancelled while it was being written. */
export class CancelledDuringFanOut extends Error {
  override readonly name = 'CancelledDuringFanOut';
}

/**
 * Spreads a broadcast's rows over time at each platform's rate (availableAt = now, now + 1/rate,
 * ...). The worker claims rows by availableAt, so a reply to a customer enqueued during a large
 * broadcast waits only for the broadcast rows already due, not for the whole fan-out.
 */
export class Pacer {
  private readonly nextAt = new Map<Platform, number>();

  constructor(
    private readonly now: () => Date,
    private readonly rateOf: (platform: Platform) => number,
  ) {}

  /** How far ahead of now the schedule runs, for the platform closest to now (0 before any row). */
  leadMs(): number {
    const now = this.now().getTime();
    let lead = Number.POSITIVE_INFINITY;
    for (const at of this.nextAt.values()) lead = Math.min(lead, at - now);
    return lead === Number.POSITIVE_INFINITY ? 0 : lead;
  }

  next(platform: Platform): Date {
    const now = this.now().getTime();
    const at = Math.max(now, this.nextAt.get(platform) ?? now);
    this.nextAt.set(platform, at + 1000 / Math.max(0.001, this.rateOf(platform)));
    return new Date(Math.floor(at));
  }
}
