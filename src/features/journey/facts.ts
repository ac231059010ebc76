import type { Db, Tx } from '../../db/database.ts';

/** The customer journey's stages, in order. */
export const STAGES = ['visitor', 'audience', 'customer', 'community'] as const;
export type Stage = (typeof STAGES)[number];

export function isStage(value: string): value is Stage {
  return (STAGES as readonly string[]).includes(value);
}

/** The recorded facts a member's stage and reward level are derived from. */
export interface MemberFacts {
  /** Ever opted in to a topic (consent ledger). */
  subscribed: boolean;
  /** Topics subscribed to now. */
  topics: string[];
  /** Marked a customer by an owner. */
  markedCustomer: boolean;
  /** Purchase codes redeemed. */
  purchases: number;
  /** Polls voted in. */
  pollsVoted: number;
  /** Members who arrived through this member's invite. */
  referrals: number;
  /** Invited to the council by an owner. */
  ownerInvited: boolean;
  /** As stored: the stage and level last derived (null before the first), the member's timezone. */
  stage: Stage | null;
  level: string | null;
  timezone: string | null;
}

interface FactsRow {
  subscribed: boolean;
  topics: string[] | null;
  marked: boolean;
  purchases: number;
  polls: number;
  referrals: number;
  invited: boolean;
  stage: string | null;
  level: string | null;
  timezone: string | null;
}

/** Reads a member's facts in one statement. */
export async function readFacts(db: Db | Tx, memberId: string): Promise<MemberFacts> {
  const [row] = await db.$queryRaw<FactsRow[]>`
    SELECT
      EXISTS (SELECT 1 FROM consent_event WHERE "memberId" = ${memberId} AND action = 'subscribe') AS subscribed,
      (SELECT array_agg(topic ORDER BY topic) FROM subscription WHERE "memberId" = ${memberId}) AS topics,
      EXISTS (SELECT 1 FROM journey_fact WHERE "memberId" = ${memberId} AND kind = 'customer_mark') AS marked,
      (SELECT count(*)::int FROM journey_fact WHERE "memberId" = ${memberId} AND kind = 'purchase_code') AS purchases,
      (SELECT count(DISTINCT "pollId")::int FROM vote WHERE "memberId" = ${memberId}) AS polls,
      (SELECT count(*)::int FROM referral WHERE "referrerId" = ${memberId}) AS referrals,
      EXISTS (SELECT 1 FROM journey_fact WHERE "memberId" = ${memberId} AND kind = 'owner_invite') AS invited,
      CASE WHEN EXISTS (SELECT 1 FROM stage_change WHERE "memberId" = ${memberId}) THEN j.stage END AS stage,
      j.level, j.timezone
    FROM (SELECT 1) AS one LEFT JOIN member_journey j ON j."memberId" = ${memberId}`;
  if (!row) throw new Error('facts query returned no row');
  return {
    subscribed: row.subscribed,
    topics: row.topics ?? [],
    markedCustomer: row.marked,
    purchases: row.purchases,
    pollsVoted: row.polls,
    referrals: row.referrals,
    ownerInvited: row.invited,
    stage: row.stage && isStage(row.stage) ? row.stage : null,
    level: row.level,
    timezone: row.timezone,
  };
}

/** The stage the facts put a member at, and the fact that put them there. */
export function deriveStage(facts: MemberFacts): { stage: Stage; reason: string } {
  if (facts.level) return { stage: 'community', reason: `reached ${facts.level}` };
  if (facts.ownerInvited) return { stage: 'community', reason: 'invited by an owner' };
  if (facts.referrals > 0) return { stage: 'community', reason: 'referred someone' };
  if (facts.pollsVoted > 0) return { stage: 'community', reason: 'voted in a poll' };
  if (facts.purchases > 0) return { stage: 'customer', reason: 'sent a purchase code' };
  if (facts.markedCustomer) return { stage: 'customer', reason: 'marked a customer by an owner' };
  if (facts.subscribed) return { stage: 'audience', reason: 'subscribed' };
  return { stage: 'visitor', reason: 'wrote to us' };
}

/**
 * Stores the derived stage when it changed, with a history row (in one transaction). Returns the
 * new stage when it changed, else null. A member's stage counts as stored once it has history (a
 * journey row made for a timezone or an invite code has none yet).
 */
export async function recordStage(
  db: Db,
  memberId: string,
  facts: MemberFacts,
  at: Date,
): Promise<Stage | null> {
  const { stage, reason } = deriveStage(facts);
  if (facts.stage === stage) return null;
  await db.$transaction(async (tx) => {
    await tx.memberJourney.upsert({
      where: { memberId },
      create: { memberId, stage, stageSince: at },
      update: { stage, stageSince: at },
    });
    await tx.stageChange.create({ data: { memberId, fromStage: facts.stage, stage, reason, at } });
  });
  return stage;
}

/** The stage lines of `/hearth member`: the stage now and its history. */
export async function stageLines(db: Db, memberId: string): Promise<string[]> {
  const [journey, history] = await Promise.all([
    db.memberJourney.findUnique({ where: { memberId } }),
    db.stageChange.findMany({ where: { memberId }, orderBy: { id: 'asc' }, take: 20 }),
  ]);
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const lines = [
    `Stage: ${journey?.stage ?? 'visitor'}${journey ? ` since ${day(journey.stageSince)}` : ''}` +
      (journey?.level ? ` · reward level: ${journey.level}` : ''),
  ];
  if (history.length > 0) {
    lines.push(`Stage history: ${history.map((h) => `${h.stage} (${day(h.at)}, ${h.reason})`).join(' → ')}`);
  }
  return lines;
}

/** Members per stage (every customer who wrote to us has a journey row; owners have none). */
export async function stageCounts(db: Db | Tx): Promise<Record<string, number>> {
  const grouped = await db.memberJourney.groupBy({ by: ['stage'], _count: { _all: true } });
  const counts: Record<string, number> = {};
  for (const g of grouped) counts[g.stage] = g._count._all;
  return counts;
}
