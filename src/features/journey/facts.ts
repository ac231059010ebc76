import type { Db, Tx } from '../../db/database.ts';
import { personOf } from './person.ts';

/** The customer journey's stages, in order. */
export const STAGES = ['visitor', 'audience', 'customer', 'community'] as const;
export type Stage = (typeof STAGES)[number];

export function isStage(value: string): value is Stage {
  return (STAGES as readonly string[]).includes(value);
}

/** The recorded facts a person's stage and reward level are derived from (all their linked members'). */
export interface MemberFacts {
  /** The person's key (its journey row) and its members, one per linked platform account. */
  personKey: string;
  memberIds: string[];
  /** Ever opted in to a topic (consent ledger). */
  subscribed: boolean;
  /** Topics subscribed to now (on any of their platforms). */
  topics: string[];
  /** Marked a customer by an owner. */
  markedCustomer: boolean;
  /** Purchase codes redeemed. */
  purchases: number;
  /** Polls voted in. */
  pollsVoted: number;
  /** People who arrived through this person's invites (each credited once, see referrals.ts). */
  referrals: number;
  /** Invited to the council by an owner. */
  ownerInvited: boolean;
  /** As stored: the stage and level last derived (null before the first), the person's timezone. */
  stage: Stage | null;
  level: string | null;
  timezone: string | null;
}

interface FactsRow {
  key: string;
  members: string[];
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

/**
 * Reads a person's facts in one statement: those of every member linked with `memberId` (a vote on
 * Discord and a referral on Telegram add up), with the journey row of the person's key.
 */
export async function readFacts(db: Db | Tx, memberId: string): Promise<MemberFacts> {
  const [row] = await db.$queryRaw<FactsRow[]>`
    WITH p AS (
      SELECT COALESCE((SELECT COALESCE("personId", id) FROM member WHERE id = ${memberId}), ${memberId}) AS key
    ), ms AS (
      SELECT ${memberId}::text AS id
      UNION SELECT m.id FROM member m, p WHERE m.id = p.key OR m."personId" = p.key
    )
    SELECT p.key,
      (SELECT array_agg(id ORDER BY id) FROM ms) AS members,
      EXISTS (SELECT 1 FROM consent_event WHERE "memberId" IN (SELECT id FROM ms) AND action = 'subscribe') AS subscribed,
      (SELECT array_agg(DISTINCT topic ORDER BY topic) FROM subscription WHERE "memberId" IN (SELECT id FROM ms)) AS topics,
      EXISTS (SELECT 1 FROM journey_fact WHERE "memberId" IN (SELECT id FROM ms) AND kind = 'customer_mark') AS marked,
      (SELECT count(*)::int FROM journey_fact WHERE "memberId" IN (SELECT id FROM ms) AND kind = 'purchase_code') AS purchases,
      (SELECT count(DISTINCT "pollId")::int FROM vote WHERE "memberId" IN (SELECT id FROM ms)) AS polls,
      (SELECT count(*)::int FROM referral WHERE "referrerId" IN (SELECT id FROM ms)) AS referrals,
      EXISTS (SELECT 1 FROM journey_fact WHERE "memberId" IN (SELECT id FROM ms) AND kind = 'owner_invite') AS invited,
      CASE WHEN EXISTS (SELECT 1 FROM stage_change WHERE "memberId" = p.key) THEN j.stage END AS stage,
      j.level, j.timezone
    FROM p LEFT JOIN member_journey j ON j."memberId" = p.key`;
  if (!row) throw new Error('facts query returned no row');
  return {
    personKey: row.key,
    memberIds: row.members,
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

/** The stage lines of `/hearth member`: the person's stage now and its history. */
export async function stageLines(db: Db, memberId: string): Promise<string[]> {
  const { key, memberIds } = await personOf(db, memberId);
  const [journey, history] = await Promise.all([
    db.memberJourney.findUnique({ where: { memberId: key } }),
    db.stageChange.findMany({ where: { memberId: { in: memberIds } }, orderBy: { id: 'asc' }, take: 20 }),
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

/**
 * People per stage (every customer who wrote to us has a journey row; owners have none). Linked
 * members count once: only the rows of persons' keys (a lone member is its own key).
 */
export async function stageCounts(db: Db | Tx): Promise<Record<string, number>> {
  const grouped = await db.$queryRaw<{ stage: string; n: number }[]>`
    SELECT j.stage, count(*)::int AS n FROM member_journey j
    LEFT JOIN member m ON m.id = j."memberId"
    WHERE m."personId" IS NULL OR m."personId" = m.id
    GROUP BY j.stage`;
  const counts: Record<string, number> = {};
  for (const g of grouped) counts[g.stage] = g.n;
  return counts;
}
