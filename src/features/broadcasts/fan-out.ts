import type { Capabilities } from '../../core/adapter.ts';
import { isPlatform, PLATFORMS, type Platform } from '../../core/events.ts';
import type { OutboundContent } from '../../core/outbound.ts';
import type { Db, Tx } from '../../db/database.ts';
import { marketingGateOf } from '../journey/gate.ts';
import { type Audience, audienceFromJson } from './audience.ts';
import { type BroadcastRowInput, insertBroadcastRows } from './bulk-insert.ts';
import { contentFromJson, renderContent, withoutMention } from './content.ts';

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
 * Turns a broadcast into outbox rows, a batch per transaction: keyset pages over Subscription, each
 * inserted by one statement with dedupeKey `broadcast:<id>:<member|channel>` (a re-run inserts
 * nothing twice), and the cursor saved in the same transaction so a restart resumes where it stopped.
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

  /**
   * One page of a topic's subscribers in one statement: read (FOR SHARE), paced and inserted by the
   * database, so no subscriber row crosses into this process. Only the page's size, its last member
   * and each platform's count (to move the pacer on) come back.
   */
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
    const slots = PLATFORMS.map((platform) => ({ platform, ...pacer.slots(platform) }));
    const [page] = await tx.$queryRaw<MembersPage[]>`
      WITH page AS (
        SELECT s."memberId", s.platform, i."dmChatId", i.reachable
        FROM (
          SELECT "memberId", platform, "identityId" FROM subscription
          WHERE topic = ${topic} AND "memberId" > ${cursor.after}
          ORDER BY "memberId"
          LIMIT ${this.deps.batchSize}
          FOR SHARE) s
        JOIN identity i ON i.id = s."identityId"),
      sendable AS (
        SELECT "memberId", platform, "dmChatId",
          row_number() OVER (PARTITION BY platform ORDER BY "memberId") - 1 AS k
        FROM page WHERE "dmChatId" IS NOT NULL AND reachable),
      slot AS (
        SELECT * FROM unnest(
          ${slots.map((x) => x.platform)}::text[],
          ${slots.map((x) => JSON.stringify(withoutMention(render(x.platform))))}::jsonb[],
          ${slots.map((x) => x.startMs)}::float8[],
          ${slots.map((x) => x.stepMs)}::float8[]
        ) AS v(platform, payload, start_ms, step_ms)),
      inserted AS (
        INSERT INTO outbox (platform, "chatId", payload, "memberId", "broadcastId", "dedupeKey", "availableAt")
        SELECT s.platform, s."dmChatId", v.payload, s."memberId", ${id}, ${`broadcast:${id}:`} || s."memberId",
          to_timestamp((v.start_ms + s.k * v.step_ms) / 1000.0) AT TIME ZONE 'UTC'
        FROM sendable s JOIN slot v ON v.platform = s.platform
        ON CONFLICT ("dedupeKey") DO NOTHING
        RETURNING 1)
      SELECT (SELECT count(*) FROM page)::int AS "read",
        (SELECT max("memberId") FROM page) AS "last",
        (SELECT count(*) FROM inserted)::int AS "inserted",
        (SELECT coalesce(json_agg(json_build_array(platform, n)), '[]'::json)
          FROM (SELECT platform, count(*)::int AS n FROM sendable GROUP BY platform) c) AS "perPlatform"`;
    if (!page) throw new Error('fan-out page returned no summary row');
    // The owners' restraint (weekly cap, quiet hours) holds or drops this page's rows to members.
    const gate = marketingGateOf(this.deps.db);
    if (gate && page.inserted > 0 && page.last !== null) {
      await gate.restrain(tx, { broadcastId: id, memberAfter: cursor.after, memberUpTo: page.last });
    }
    for (const [platform, count] of parseCounts(page.perPlatform)) {
      const taken = slots.find((x) => x.platform === platform);
      if (taken) pacer.take(platform, count, taken);
    }
    const next: Cursor | 'done' =
      page.read === this.deps.batchSize && page.last !== null
        ? { phase: 'members', topic: cursor.topic, after: page.last }
        : cursor.topic + 1 < audience.topics.length
          ? { phase: 'members', topic: cursor.topic + 1, after: '' }
          : 'done';
    return this.moveCursor(tx, id, page.inserted, next);
  }

  /** Inserts the page and moves the cursor, unless the broadcast was cancelled meanwhile. */
  private async commit(
    tx: Tx,
    id: string,
    requests: BroadcastRowInput[],
    next: Cursor | 'done',
  ): Promise<Step> {
    return this.moveCursor(tx, id, await insertBroadcastRows(tx, id, requests), next);
  }

  /** Counts a page's new rows and moves the cursor, unless the broadcast was cancelled meanwhile. */
  private async moveCursor(tx: Tx, id: string, enqueued: number, next: Cursor | 'done'): Promise<Step> {
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

/** What a members page statement returns: subscribers read, the last of them, rows inserted. */
interface MembersPage {
  read: number;
  last: string | null;
  inserted: number;
  /** [platform, sendable rows] pairs, as JSON. */
  perPlatform: unknown;
}

function parseCounts(value: unknown): [Platform, number][] {
  const pairs = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (!Array.isArray(pairs)) return [];
  return pairs.filter(
    (pair): pair is [Platform, number] =>
      Array.isArray(pair) && isPlatform(pair[0]) && typeof pair[1] === 'number',
  );
}

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
    const slots = this.slots(platform);
    this.take(platform, 1, slots);
    return new Date(Math.floor(slots.startMs));
  }

  /** Where the platform's next rows go: the first at `startMs` (epoch ms), then one every `stepMs`. */
  slots(platform: Platform): { startMs: number; stepMs: number } {
    const now = this.now().getTime();
    return {
      startMs: Math.max(now, this.nextAt.get(platform) ?? now),
      stepMs: 1000 / Math.max(0.001, this.rateOf(platform)),
    };
  }

  /** Counts `count` rows placed from `slots` (as returned by `slots()` for the platform). */
  take(platform: Platform, count: number, slots: { startMs: number; stepMs: number }): void {
    if (count > 0) this.nextAt.set(platform, slots.startMs + count * slots.stepMs);
  }
}
