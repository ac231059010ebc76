import type { Db } from '../../db/database.ts';

/** Report periods: rolling windows ending now (or at a digest's occurrence). */
export type Period = 'day' | 'week' | 'month';
export const PERIOD_DAYS: Record<Period, number> = { day: 1, week: 7, month: 30 };
const DAY_MS = 86_400_000;

export function isPeriod(value: string): value is Period {
  return value in PERIOD_DAYS;
}

/** One platform's numbers for a window (or the totals, platform `all`). */
export interface PlatformStats {
  platform: string;
  /** Identities on the platform that existed at the window's end. */
  members: number;
  /** Identities first seen inside the window. */
  newMembers: number;
  /** Members subscribed to at least one topic now. */
  subscribers: number;
  subscribed: number;
  unsubscribed: number;
  /** subscribed - unsubscribed inside the window. */
  netGrowth: number;
  /** questionsAsked = answeredAutomatically + handedOff + askedBackNoPick (see STATS_FOOTNOTE). */
  questionsAsked: number;
  answeredAutomatically: number;
  handedOff: number;
  askedBackNoPick: number;
  broadcastDelivered: number;
  broadcastFailed: number;
  /** Other messages (replies, digests, poll posts) the delivery worker sent or gave up on. */
  otherSent: number;
  otherFailed: number;
  pollVotes: number;
  pollVoters: number;
}

export interface MetricsReport {
  period: Period;
  from: Date;
  to: Date;
  platforms: PlatformStats[];
  totals: PlatformStats;
  /** Handoffs opened in the window that got a human answer, and the median wait for it. */
  humanAnswered: number;
  medianFirstHumanAnswerMs: number | null;
  /** Handoffs opened in the window still open without a human answer. */
  unansweredHandoffs: number;
  /** Handoffs opened in the window that were resolved without a human answer. */
  resolvedWithoutReply: number;
  topUnanswered: { question: string; count: number }[];
  /** Customer wordings waiting for an owner's click to become FAQ phrasings (support learning). */
  phrasingsWaiting: { count: number; top: { text: string; faqQuestion: string; confirmations: number }[] };
  /** Polls that got votes in the window. */
  pollsVotedIn: number;
  /** Subscriptions at the end of each day of the window (oldest first): the growth curve. */
  subscriberSeries: number[];
}

export interface ReportOptions {
  period: Period;
  to: Date;
  /** The owners' platform: its identities are owners, not community members. */
  excludePlatform?: string;
  topUnanswered?: number;
}

const FACT_TYPES = [
  'subscribed',
  'unsubscribed',
  'question_asked',
  'question_answered',
  'question_handed_off',
  'question_asked_back',
  'ask_back_picked',
  'delivery_sent',
  'delivery_failed',
];

function emptyStats(platform: string): PlatformStats {
  return {
    platform,
    members: 0,
    newMembers: 0,
    subscribers: 0,
    subscribed: 0,
    unsubscribed: 0,
    netGrowth: 0,
    questionsAsked: 0,
    answeredAutomatically: 0,
    handedOff: 0,
    askedBackNoPick: 0,
    broadcastDelivered: 0,
    broadcastFailed: 0,
    otherSent: 0,
    otherFailed: 0,
    pollVotes: 0,
    pollVoters: 0,
  };
}

/** Median of a list of numbers; null when empty. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Computes the owners' report for the window [to - period, to) from MetricEvent facts, Identity,
 * Subscription, Handoff and Vote rows. Broadcast deliveries are facts whose data has a broadcastId
 * (counted by `value`, the broadcasts feature records one fact per platform and outcome).
 */
export async function computeReport(db: Db, options: ReportOptions): Promise<MetricsReport> {
  const { period, to } = options;
  const from = new Date(to.getTime() - PERIOD_DAYS[period] * DAY_MS);
  const exclude = options.excludePlatform ?? '';
  const stats = new Map<string, PlatformStats>();
  const at = (platform: string | null) => {
    const key = platform ?? 'unknown';
    let entry = stats.get(key);
    if (!entry) {
      entry = emptyStats(key);
      stats.set(key, entry);
    }
    return entry;
  };

  const members = await db.$queryRaw<{ platform: string; total: number; fresh: number }[]>`
    SELECT platform, count(*)::int AS total, count(*) FILTER (WHERE "createdAt" >= ${from})::int AS fresh
    FROM identity WHERE "createdAt" < ${to} AND platform <> ${exclude} GROUP BY platform`;
  for (const row of members) Object.assign(at(row.platform), { members: row.total, newMembers: row.fresh });

  const subscribers = await db.$queryRaw<{ platform: string; n: number }[]>`
    SELECT platform, count(DISTINCT "memberId")::int AS n FROM subscription GROUP BY platform`;
  for (const row of subscribers) at(row.platform).subscribers = row.n;

  const facts = await db.$queryRaw<Fact[]>`
    SELECT type, platform,
      count(*) FILTER (WHERE data->>'broadcastId' IS NULL)::int AS n,
      count(*) FILTER (WHERE data->>'reason' = 'not_helpful')::int AS "notHelpful",
      count(*) FILTER (WHERE data->>'reason' = 'picked_none')::int AS "pickedNone",
      coalesce(sum(coalesce(value, 1)) FILTER (WHERE data->>'broadcastId' IS NOT NULL), 0)::int AS broadcast
    FROM metric_event
    WHERE at >= ${from} AND at < ${to} AND type = ANY(${FACT_TYPES})
    GROUP BY type, platform`;
  for (const row of facts) addFact(at(row.platform), row);

  const votes = await db.$queryRaw<{ platform: string; votes: number; voters: number }[]>`
    SELECT platform, count(*)::int AS votes, count(DISTINCT "memberId")::int AS voters
    FROM vote WHERE at >= ${from} AND at < ${to} GROUP BY platform`;
  for (const row of votes) Object.assign(at(row.platform), { pollVotes: row.votes, pollVoters: row.voters });
  const [polls] = await db.$queryRaw<{ n: number; voters: number }[]>`
    SELECT count(DISTINCT "pollId")::int AS n, count(DISTINCT "memberId")::int AS voters
    FROM vote WHERE at >= ${from} AND at < ${to}`;

  const answered = await db.handoff.findMany({
    where: { createdAt: { gte: from, lt: to }, firstAnsweredAt: { not: null } },
    select: { createdAt: true, firstAnsweredAt: true },
  });
  const waits = answered.map((h) => (h.firstAnsweredAt?.getTime() ?? 0) - h.createdAt.getTime());
  const unanswered = await db.handoff.count({
    where: { createdAt: { gte: from, lt: to }, firstAnsweredAt: null, status: 'open' },
  });
  const resolvedWithoutReply = await db.handoff.count({
    where: { createdAt: { gte: from, lt: to }, firstAnsweredAt: null, status: { not: 'open' } },
  });
  const top = await db.$queryRaw<{ question: string; n: number }[]>`
    SELECT (array_agg(btrim(question) ORDER BY "createdAt"))[1] AS question, count(*)::int AS n FROM handoff
    WHERE "createdAt" >= ${from} AND "createdAt" < ${to} AND "firstAnsweredAt" IS NULL
    GROUP BY lower(btrim(question)) ORDER BY n DESC, 1 LIMIT ${options.topUnanswered ?? 5}`;

  const waitingCount = await db.faqPhrasingCandidate.count({ where: { status: 'waiting' } });
  const waitingTop = await db.$queryRaw<{ text: string; question: string; n: number }[]>`
    SELECT c.text, f.question, c.confirmations::int AS n FROM faq_phrasing_candidate c
    JOIN faq_entry f ON f.id = c."faqId" WHERE c.status = 'waiting'
    ORDER BY c.confirmations DESC, c."createdAt" LIMIT 5`;

  stats.delete(exclude);
  const platforms = [...stats.values()].sort((a, b) => a.platform.localeCompare(b.platform));
  const totals = sumStats(platforms);
  totals.pollVoters = polls?.voters ?? 0;
  return {
    period,
    from,
    to,
    platforms,
    totals,
    humanAnswered: answered.length,
    medianFirstHumanAnswerMs: median(waits),
    unansweredHandoffs: unanswered,
    resolvedWithoutReply,
    topUnanswered: top.map((t) => ({ question: t.question, count: t.n })),
    phrasingsWaiting: {
      count: waitingCount,
      top: waitingTop.map((w) => ({ text: w.text, faqQuestion: w.question, confirmations: w.n })),
    },
    pollsVotedIn: polls?.n ?? 0,
    subscriberSeries: await subscriberSeries(db, from, to),
  };
}

interface Fact {
  type: string;
  platform: string | null;
  n: number;
  /** Handoffs opened by a 👎 on an automatic answer, or by "none of these" after an ask-back. */
  notHelpful: number;
  pickedNone: number;
  broadcast: number;
}

/**
 * Adds one fact count. Each question asked ends in exactly one figure: a 👎 moves its question from
 * answered automatically to handed off; a pick (or "none of these") moves it out of asked back.
 */
function addFact(entry: PlatformStats, row: Fact): void {
  switch (row.type) {
    case 'subscribed':
      entry.subscribed += row.n + row.broadcast;
      break;
    case 'unsubscribed':
      entry.unsubscribed += row.n + row.broadcast;
      break;
    case 'question_asked':
      entry.questionsAsked += row.n;
      break;
    case 'question_answered':
      entry.answeredAutomatically += row.n;
      break;
    case 'question_handed_off':
      entry.handedOff += row.n;
      entry.answeredAutomatically -= row.notHelpful;
      entry.askedBackNoPick -= row.pickedNone;
      break;
    case 'question_asked_back':
      entry.askedBackNoPick += row.n;
      break;
    case 'ask_back_picked':
      entry.askedBackNoPick -= row.n;
      break;
    case 'delivery_sent':
      entry.otherSent += row.n;
      entry.broadcastDelivered += row.broadcast;
      break;
    case 'delivery_failed':
      entry.otherFailed += row.n;
      entry.broadcastFailed += row.broadcast;
      break;
  }
  entry.netGrowth = entry.subscribed - entry.unsubscribed;
}

function sumStats(platforms: PlatformStats[]): PlatformStats {
  const total = emptyStats('all');
  for (const p of platforms) {
    for (const key of Object.keys(total) as (keyof PlatformStats)[]) {
      if (key !== 'platform') total[key] += p[key];
    }
  }
  return total;
}

/**
 * Subscriptions at the end of each day of [from, to): today's count minus the net changes recorded
 * after each day's end.
 */
async function subscriberSeries(db: Db, from: Date, to: Date): Promise<number[]> {
  const days = Math.max(1, Math.round((to.getTime() - from.getTime()) / DAY_MS));
  const now = await db.subscription.count();
  const rows = await db.$queryRaw<{ day: number; net: number }[]>`
    SELECT floor((extract(epoch FROM at) - ${from.getTime() / 1000}::float8) / 86400)::int AS day,
      sum(CASE WHEN type = 'subscribed' THEN 1 ELSE -1 END)::int AS net
    FROM metric_event WHERE type IN ('subscribed', 'unsubscribed') AND at >= ${from}
    GROUP BY day`;
  const netByDay = new Map(rows.map((r) => [r.day, r.net]));
  const series: number[] = [];
  const afterWindow = [...netByDay].filter(([day]) => day >= days).reduce((sum, [, net]) => sum + net, 0);
  let level = now - afterWindow;
  for (let day = days - 1; day >= 0; day -= 1) {
    series.unshift(level);
    level -= netByDay.get(day) ?? 0;
  }
  return series;
}
