import { Prisma } from '../../../prisma/generated/client.ts';
import type { Services } from '../../app/context.ts';
import type { Tx } from '../../db/database.ts';
import { addDays, instantOf, wallTimeAt } from '../../scheduler/zoned-time.ts';
import type { MarketingGate, MarketingRows } from './gate.ts';
import { type RestraintSettings, readRestraint } from './settings.ts';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** Outbox rows that are marketing to one member, by their dedupe keys. */
export const MARKETING_KEYS = Prisma.sql`("dedupeKey" LIKE 'broadcast:%' OR "dedupeKey" LIKE 'series:%' OR "dedupeKey" LIKE 'poll:%')`;

function inQuietHours(minutes: number, s: RestraintSettings): boolean {
  if (s.quietStart === s.quietEnd) return false;
  return s.quietStart > s.quietEnd
    ? minutes >= s.quietStart || minutes < s.quietEnd
    : minutes >= s.quietStart && minutes < s.quietEnd;
}

/**
 * The earliest time from `wanted` a marketing message may go to a member who already has messages
 * at `others` (sent or queued): fewer than the cap in the 7 days up to it, and outside quiet hours in
 * `timezone`. The reason names what held it (null when it may go as wanted).
 */
export function allowedTime(
  wanted: Date,
  others: readonly Date[],
  settings: RestraintSettings,
  timezone: string,
): { at: Date; reason: string | null } {
  let at = wanted.getTime();
  let reason: string | null = null;
  const times = others.map((d) => d.getTime()).sort((a, b) => a - b);
  for (let round = 0; round < 20; round++) {
    const inWindow = times.filter((t) => t > at - WEEK_MS && t <= at);
    if (inWindow.length >= settings.weeklyCap) {
      const oldest = inWindow[inWindow.length - settings.weeklyCap] ?? at;
      at = oldest + WEEK_MS + 1;
      reason = `weekly cap of ${settings.weeklyCap}`;
      continue;
    }
    const wall = wallTimeAt(new Date(at), timezone);
    const minutes = wall.hour * 60 + wall.minute;
    if (inQuietHours(minutes, settings)) {
      const day = minutes >= settings.quietEnd ? addDays(wall, 1) : wall;
      // On the minute the quiet hours end (not at the seconds the message was wanted at).
      const end = {
        ...day,
        hour: Math.floor(settings.quietEnd / 60),
        minute: settings.quietEnd % 60,
        second: 0,
      };
      at = instantOf(end, timezone).getTime();
      reason = reason ?? 'quiet hours';
      continue;
    }
    break;
  }
  return { at: new Date(at), reason };
}

interface CandidateRow {
  id: bigint;
  /** The person the row's member belongs to: the cap counts per person, across platforms. */
  personKey: string;
  availableAt: Date;
  timezone: string | null;
}

function rowsFilter(rows: MarketingRows) {
  if ('broadcastId' in rows) {
    return Prisma.sql`o."broadcastId" = ${rows.broadcastId} AND o."memberId" > ${rows.memberAfter} AND o."memberId" <= ${rows.memberUpTo}`;
  }
  if ('dedupePrefix' in rows) return Prisma.sql`o."dedupeKey" LIKE ${`${rows.dedupePrefix}%`}`;
  return Prisma.sql`o.id = ANY(${rows.ids}::bigint[])`;
}

/** The restraint gate: holds rows (a later availableAt) or drops them (cancelled, with the reason). */
export function restraintGate(services: Services): MarketingGate {
  return {
    async restrain(tx: Tx, rows: MarketingRows, options = {}) {
      const candidates = await tx.$queryRaw<CandidateRow[]>`
        SELECT o.id, COALESCE(m."personId", o."memberId") AS "personKey", o."availableAt", j.timezone
        FROM outbox o
        LEFT JOIN member m ON m.id = o."memberId"
        LEFT JOIN member_journey j ON j."memberId" = COALESCE(m."personId", o."memberId")
        WHERE o.status = 'pending' AND o."memberId" IS NOT NULL AND ${rowsFilter(rows)}
        ORDER BY o."availableAt", o.id`;
      if (candidates.length === 0) return;
      const now = services.now();
      const settings = await readRestraint(tx);
      const persons = [...new Set(candidates.map((c) => c.personKey))];
      // Every marketing message of the week to any of the persons' linked members.
      const earlier = await tx.$queryRaw<{ personKey: string; at: Date }[]>`
        SELECT COALESCE(m."personId", m.id) AS "personKey", o."availableAt" AS at
        FROM member m JOIN outbox o ON o."memberId" = m.id
        WHERE (m.id = ANY(${persons}::text[]) OR m."personId" = ANY(${persons}::text[]))
          AND o.status IN ('pending', 'sending', 'sent')
          AND o.id <> ALL(${candidates.map((c) => c.id)}::bigint[]) AND ${MARKETING_KEYS}
          AND o."availableAt" > ${new Date(now.getTime() - WEEK_MS)}`;
      const othersOf = new Map<string, Date[]>();
      for (const row of earlier)
        othersOf.set(row.personKey, [...(othersOf.get(row.personKey) ?? []), row.at]);
      const held: { id: bigint; at: Date }[] = [];
      const dropped: { id: bigint; reason: string }[] = [];
      const staleMs = settings.staleAfterHours * 3_600_000;
      for (const row of candidates) {
        const others = othersOf.get(row.personKey) ?? [];
        const wanted = row.availableAt.getTime() < now.getTime() ? now : row.availableAt;
        const timezone = row.timezone ?? services.config.SCHEDULE_TIMEZONE;
        const { at, reason } = allowedTime(wanted, others, settings, timezone);
        if (!reason) {
          othersOf.set(row.personKey, [...others, wanted]);
          continue;
        }
        const expired = options.expiresAt && at.getTime() >= options.expiresAt.getTime();
        if (expired || at.getTime() - wanted.getTime() > staleMs) {
          dropped.push({ id: row.id, reason: `not sent: ${reason} (would have been stale)` });
          continue;
        }
        held.push({ id: row.id, at });
        othersOf.set(row.personKey, [...others, at]);
      }
      if (held.length > 0) {
        await tx.$executeRaw`
          UPDATE outbox o SET "availableAt" = v.at
          FROM unnest(${held.map((h) => h.id)}::bigint[], ${held.map((h) => h.at.toISOString())}::timestamp[]) AS v(id, at)
          WHERE o.id = v.id`;
      }
      if (dropped.length > 0) {
        await tx.$executeRaw`
          UPDATE outbox o SET status = 'cancelled', "lastError" = v.reason
          FROM unnest(${dropped.map((d) => d.id)}::bigint[], ${dropped.map((d) => d.reason)}::text[]) AS v(id, reason)
          WHERE o.id = v.id`;
      }
      if (held.length + dropped.length > 0) {
        await tx.metricEvent.createMany({
          data: [
            ...(held.length > 0 ? [{ type: 'marketing_held', value: held.length, at: now }] : []),
            ...(dropped.length > 0 ? [{ type: 'marketing_dropped', value: dropped.length, at: now }] : []),
          ],
        });
      }
    },
  };
}
