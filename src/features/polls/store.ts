import type { Platform, VoteChoice } from '../../core/events.ts';
import type { Db, Tx } from '../../db/database.ts';
import type { MetricsRecorder } from '../../metrics/recorder.ts';

/** How often a vote for a native poll whose send is not recorded yet looks again. */
const SEND_RECORD_RETRY_MS = 100;

/** A poll with its options, as features use it. */
export interface PollRecord {
  id: string;
  question: string;
  options: string[];
  multi: boolean;
  anonymous: boolean;
  status: 'open' | 'closed';
  closesAt: Date | null;
  closedAt: Date | null;
  createdAt: Date;
  createdBy: string | null;
}

export type PostRendering = 'native' | 'buttons' | 'numbered';

/**
 * How a member's choice changes: the whole set (Telegram's native polls, numbered replies), one
 * option added or removed (Discord's native polls send one event per answer), or one option toggled
 * (buttons). Each applies to the stored state, so applying it twice changes nothing more (a toggle
 * excepted: buttons are pressed, not redelivered).
 */
export type VoteChange = VoteChoice | { toggle: number };

export type VoteOutcome =
  | { kind: 'recorded'; poll: PollRecord; before: number[]; after: number[] }
  | { kind: 'closed'; poll: PollRecord }
  | { kind: 'invalid'; poll: PollRecord; reason: string }
  | { kind: 'unknown' };

/** Counts for one poll: votes per option and distinct voters. */
export interface Tally {
  counts: number[];
  voters: number;
}

/** Long transactions wait for a connection rather than fail when hundreds of votes arrive at once. */
const TX_OPTIONS = { maxWait: 60_000, timeout: 60_000 };

type PollRow = {
  id: string;
  question: string;
  multi: boolean;
  anonymous: boolean;
  status: string;
  closesAt: Date | null;
  closedAt: Date | null;
  createdAt: Date;
  createdBy: string | null;
  options: { idx: number; text: string }[];
};

export function toRecord(row: PollRow): PollRecord {
  return {
    id: row.id,
    question: row.question,
    options: [...row.options].sort((a, b) => a.idx - b.idx).map((o) => o.text),
    multi: row.multi,
    anonymous: row.anonymous,
    status: row.status === 'closed' ? 'closed' : 'open',
    closesAt: row.closesAt,
    closedAt: row.closedAt,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
  };
}

const WITH_OPTIONS = { options: { select: { idx: true, text: true } } } as const;

/** Polls, their posts and votes. Every vote change is one transaction that decides it alone. */
export class PollStore {
  constructor(
    private readonly db: Db,
    private readonly metrics: MetricsRecorder,
  ) {}

  async find(id: string, tx: Tx | Db = this.db): Promise<PollRecord | null> {
    const row = await tx.poll.findUnique({ where: { id }, include: WITH_OPTIONS });
    return row ? toRecord(row) : null;
  }

  /** Finds a poll by its id or the start of it (owners type the short id shown to them). */
  async findByPrefix(prefix: string): Promise<PollRecord[]> {
    const clean = prefix.trim().toLowerCase();
    if (!/^[0-9a-f-]{4,36}$/.test(clean)) return [];
    const rows = await this.db.poll.findMany({
      where: { id: { startsWith: clean } },
      include: WITH_OPTIONS,
      take: 5,
    });
    return rows.map(toRecord);
  }

  /** Recent polls, newest first. */
  async recent(limit: number): Promise<PollRecord[]> {
    const rows = await this.db.poll.findMany({
      orderBy: { createdAt: 'desc' },
      take: limit,
      include: WITH_OPTIONS,
    });
    return rows.map(toRecord);
  }

  /**
   * The post a native poll's platform id belongs to. The platform shows a poll before Hearth has
   * its answer and records the poll's id (PollService.onSent), so a vote can arrive first: while a
   * native post of an open poll on that platform still awaits its send, the lookup is tried again
   * for up to `waitMs` before the vote is called unknown.
   */
  async postByNativeId(platform: Platform, nativePollId: string, waitMs = 0) {
    const find = () =>
      this.db.pollPost.findUnique({ where: { platform_nativePollId: { platform, nativePollId } } });
    const deadline = Date.now() + waitMs;
    for (;;) {
      const post = await find();
      if (post || Date.now() >= deadline) return post;
      const awaited = await this.db.pollPost.findFirst({
        where: { platform, rendering: 'native', messageId: null, poll: { status: 'open' } },
        select: { id: true },
      });
      if (!awaited) return find(); // recorded between the two reads, or never ours
      await new Promise((resolve) => setTimeout(resolve, SEND_RECORD_RETRY_MS));
    }
  }

  /**
   * The poll a numbered reply in a chat is for: the latest open poll posted there as numbered text;
   * failing that, the latest one that closed after `closedSince` (to answer "closed"); else null.
   */
  async numberedPollInChat(
    platform: Platform,
    chatId: string,
    closedSince: Date,
  ): Promise<PollRecord | null> {
    const postedHere = { posts: { some: { platform, chatId, rendering: 'numbered' } } };
    const open = await this.db.poll.findFirst({
      where: { status: 'open', ...postedHere },
      orderBy: { createdAt: 'desc' },
      include: WITH_OPTIONS,
    });
    if (open) return toRecord(open);
    const closed = await this.db.poll.findFirst({
      where: { status: 'closed', closedAt: { gte: closedSince }, ...postedHere },
      orderBy: { closedAt: 'desc' },
      include: WITH_OPTIONS,
    });
    return closed ? toRecord(closed) : null;
  }

  /**
   * Changes one member's vote. In one transaction: the poll row is read FOR SHARE (closing, which
   * updates it, waits for votes in flight and later votes see it closed) and the member row is locked
   * (two presses of the same member are applied one after the other). The member's old choice is
   * replaced by the new one; the primary key (poll, member, option) makes a double count impossible.
   */
  async vote(pollId: string, memberId: string, platform: Platform, change: VoteChange, at: Date) {
    return this.db.$transaction(async (tx): Promise<VoteOutcome> => {
      const locked = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM poll WHERE id = ${pollId} FOR SHARE`;
      if (locked.length === 0) return { kind: 'unknown' };
      await tx.$queryRaw`SELECT id FROM member WHERE id = ${memberId} FOR UPDATE`;
      const poll = await this.find(pollId, tx);
      if (!poll) return { kind: 'unknown' };
      if (poll.status !== 'open') return { kind: 'closed', poll };
      const current = await tx.vote.findMany({ where: { pollId, memberId }, select: { optionIdx: true } });
      const before = current.map((v) => v.optionIdx).sort((a, b) => a - b);
      const next = nextChoice(poll, before, change);
      if (typeof next === 'string') return { kind: 'invalid', poll, reason: next };
      const removed = before.filter((idx) => !next.includes(idx));
      const added = next.filter((idx) => !before.includes(idx));
      if (removed.length > 0) {
        await tx.vote.deleteMany({ where: { pollId, memberId, optionIdx: { in: removed } } });
      }
      if (added.length > 0) {
        await tx.vote.createMany({
          data: added.map((optionIdx) => ({ pollId, memberId, optionIdx, platform, at })),
          skipDuplicates: true,
        });
      }
      if (removed.length > 0 || added.length > 0) {
        await this.metrics.record(
          { type: 'poll_vote', platform, memberId, at, data: { pollId, before, after: next } },
          tx,
        );
      }
      return { kind: 'recorded', poll, before, after: next };
    }, TX_OPTIONS);
  }

  /** Votes per option and distinct voters. */
  async tally(pollId: string, optionCount: number, tx: Tx | Db = this.db): Promise<Tally> {
    const groups = await tx.vote.groupBy({ by: ['optionIdx'], where: { pollId }, _count: { _all: true } });
    const counts = Array.from({ length: optionCount }, () => 0);
    for (const group of groups) {
      if (group.optionIdx >= 0 && group.optionIdx < optionCount) counts[group.optionIdx] = group._count._all;
    }
    const voters = await tx.$queryRaw<{ n: number }[]>`
      SELECT count(DISTINCT "memberId")::int AS n FROM vote WHERE "pollId" = ${pollId}`;
    return { counts, voters: voters[0]?.n ?? 0 };
  }

  /** Voters per poll, for the owners' list. */
  async voterCounts(pollIds: string[]): Promise<Map<string, number>> {
    if (pollIds.length === 0) return new Map();
    const rows = await this.db.$queryRaw<{ pollId: string; n: number }[]>`
      SELECT "pollId", count(DISTINCT "memberId")::int AS n FROM vote
      WHERE "pollId" = ANY(${pollIds}::text[]) GROUP BY "pollId"`;
    return new Map(rows.map((r) => [r.pollId, r.n]));
  }

  /**
   * Closes an open poll and runs `then` in the same transaction with the final tally (so results
   * are enqueued exactly when the poll closes). Null when it was not open: another instance or an
   * owner closed it first.
   */
  async close<T>(
    pollId: string,
    at: Date,
    then: (tx: Tx, poll: PollRecord, tally: Tally) => Promise<T>,
  ): Promise<T | null> {
    return this.db.$transaction(async (tx) => {
      const closed = await tx.poll.updateMany({
        where: { id: pollId, status: 'open' },
        data: { status: 'closed', closedAt: at },
      });
      if (closed.count === 0) return null;
      const poll = await this.find(pollId, tx);
      if (!poll) return null;
      return then(tx, poll, await this.tally(pollId, poll.options.length, tx));
    }, TX_OPTIONS);
  }

  /** Open polls whose closing time has come. */
  async dueForClosing(at: Date): Promise<string[]> {
    const rows = await this.db.poll.findMany({
      where: { status: 'open', closesAt: { lte: at } },
      select: { id: true },
      orderBy: { closesAt: 'asc' },
    });
    return rows.map((r) => r.id);
  }
}

/** The member's options after `change`, or why the change is not allowed. */
export function nextChoice(poll: PollRecord, before: number[], change: VoteChange): number[] | string {
  const inRange = (idx: number) => Number.isInteger(idx) && idx >= 0 && idx < poll.options.length;
  if ('toggle' in change) {
    if (!inRange(change.toggle)) return `option ${change.toggle} is out of range`;
    if (before.includes(change.toggle)) return before.filter((idx) => idx !== change.toggle);
    return poll.multi ? [...before, change.toggle].sort((a, b) => a - b) : [change.toggle];
  }
  if ('add' in change) {
    if (!inRange(change.add)) return `option ${change.add} is out of range`;
    if (before.includes(change.add)) return before;
    return poll.multi ? [...before, change.add].sort((a, b) => a - b) : [change.add];
  }
  if ('remove' in change) {
    if (!inRange(change.remove)) return `option ${change.remove} is out of range`;
    return before.filter((idx) => idx !== change.remove);
  }
  const chosen = [...new Set(change.set)].sort((a, b) => a - b);
  const bad = chosen.find((idx) => !inRange(idx));
  if (bad !== undefined) return `option ${bad} is out of range`;
  if (!poll.multi && chosen.length > 1) return 'this poll takes one answer';
  return chosen;
}
