import type { Prisma } from '../../../prisma/generated/client.ts';
import type { Db } from '../../db/database.ts';
import { STAGES, stageCounts } from './facts.ts';
import { personKeysOf, personLabels, personOf } from './person.ts';
import { stepStatsOf } from './series.ts';

/** The customer journey over a window: the funnel, its movement, referrals, series, the council. */
export interface JourneyReport {
  /** Members at each stage now, in STAGES order. */
  funnel: { stage: string; members: number; reachedThisWeek: number }[];
  referrals: { inWindow: number; total: number; top: { label: string; count: number }[] };
  series: {
    name: string;
    topic: string;
    steps: { idx: number; reach: number; clicks: number; optOuts: number }[];
  }[];
  levels: { level: string; members: number; newInWindow: number }[];
  restraint: { held: number; dropped: number };
}

export async function computeJourneyReport(db: Db, from: Date, to: Date): Promise<JourneyReport> {
  const window = { gte: from, lt: to };
  const [
    counts,
    moves,
    referralTop,
    referralWindow,
    referralTotal,
    allSeries,
    levels,
    newLevels,
    restrained,
  ] = await Promise.all([
    stageCounts(db),
    db.stageChange.groupBy({ by: ['stage'], where: { at: window }, _count: { _all: true } }),
    topReferrers(db, { at: window }, 3, false),
    db.referral.count({ where: { at: window } }),
    db.referral.count(),
    db.series.findMany({ orderBy: { createdAt: 'asc' } }),
    db.memberJourney.groupBy({ by: ['level'], where: { level: { not: null } }, _count: { _all: true } }),
    db.memberJourney.groupBy({ by: ['level'], where: { levelSince: window }, _count: { _all: true } }),
    db.metricEvent.groupBy({
      by: ['type'],
      where: { type: { in: ['marketing_held', 'marketing_dropped'] }, at: window },
      _sum: { value: true },
    }),
  ]);
  const series = [];
  for (const s of allSeries)
    series.push({ name: s.name, topic: s.topic, steps: await stepStatsOf(db, s.id) });
  const sum = (type: string) => restrained.find((r) => r.type === type)?._sum.value ?? 0;
  return {
    funnel: STAGES.map((stage) => ({
      stage,
      members: counts[stage] ?? 0,
      reachedThisWeek: moves.find((m) => m.stage === stage)?._count._all ?? 0,
    })),
    referrals: {
      inWindow: referralWindow,
      total: referralTotal,
      top: referralTop,
    },
    series,
    levels: levels.map((l) => ({
      level: l.level ?? '',
      members: l._count._all,
      newInWindow: newLevels.find((n) => n.level === l.level)?._count._all ?? 0,
    })),
    restraint: { held: sum('marketing_held'), dropped: sum('marketing_dropped') },
  };
}

/** The report as plain lines for the owners (the digest and `/hearth journey`). */
export function journeyLines(report: JourneyReport): string[] {
  const funnel = report.funnel.map((f) => `${f.stage} ${f.members}`).join(' → ');
  const moved = report.funnel
    .filter((f) => f.reachedThisWeek > 0)
    .map((f) => `${f.reachedThisWeek} reached ${f.stage}`);
  const lines = [
    `Funnel: ${funnel}`,
    `Movement: ${moved.length > 0 ? moved.join(', ') : 'nobody moved'}`,
    `Referrals: ${report.referrals.inWindow} joined through invites (${report.referrals.total} in all)` +
      (report.referrals.top.length > 0
        ? `; top: ${report.referrals.top.map((t) => `${t.label} (${t.count})`).join(', ')}`
        : ''),
  ];
  for (const s of report.series) {
    const steps = s.steps
      .map((st) => `step ${st.idx + 1}: ${st.reach} reached, ${st.clicks} clicks, ${st.optOuts} opted out`)
      .join('; ');
    lines.push(`Series ${s.name} (${s.topic}): ${steps || 'no steps'}`);
  }
  lines.push(
    report.levels.length > 0
      ? `Council and levels: ${report.levels.map((l) => `${l.level} ${l.members} (+${l.newInWindow} new)`).join(', ')}`
      : 'Council and levels: nobody yet',
  );
  if (report.restraint.held + report.restraint.dropped > 0) {
    lines.push(
      `Restraint: ${report.restraint.held} marketing message(s) held for a better time, ${report.restraint.dropped} dropped as stale`,
    );
  }
  return lines;
}

/** The funnel's bar values, in STAGES order (for the digest's chart). */
export function funnelValues(report: JourneyReport): number[] {
  return report.funnel.map((f) => f.members);
}

/** The top referrers (people: their linked accounts' referrals add up), with every account named. */
export async function topReferrers(
  db: Db,
  where: Prisma.ReferralWhereInput,
  take: number,
  withNames = true,
): Promise<{ label: string; count: number }[]> {
  const grouped = await db.referral.groupBy({ by: ['referrerId'], where, _count: { _all: true } });
  const keys = await personKeysOf(
    db,
    grouped.map((g) => g.referrerId),
  );
  const byPerson = new Map<string, number>();
  for (const g of grouped) {
    const key = keys.get(g.referrerId) ?? g.referrerId;
    byPerson.set(key, (byPerson.get(key) ?? 0) + g._count._all);
  }
  const top = [...byPerson].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, take);
  const result = [];
  for (const [key, count] of top) {
    const labels = await personLabels(db, (await personOf(db, key)).memberIds, withNames);
    result.push({ label: labels.length > 0 ? labels.join(' + ') : 'an erased member', count });
  }
  return result;
}
