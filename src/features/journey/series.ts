import { Prisma } from '../../../prisma/generated/client.ts';
import type { Services } from '../../app/context.ts';
import { isPlatform } from '../../core/events.ts';
import type { Button, OutboundContent } from '../../core/outbound.ts';
import type { Db } from '../../db/database.ts';
import { addDays, instantOf, wallTimeAt } from '../../scheduler/zoned-time.ts';
import { marketingGateOf } from './gate.ts';

/** Button under a series step's link (where buttons exist): a press is a click-through, answered with the link. */
export const SERIES_LINK_ACTION = 'series.link';
/** Steps due a day or more after subscribing go out at this local hour (member's timezone). */
export const SERIES_LOCAL_HOUR = 10;

export interface StepContent {
  text: string;
  linkLabel: string | null;
  linkUrl: string | null;
}

/** A step as its member sees it: the link as a button where the platform has them, else in the text. */
export function renderStep(step: StepContent, value: string, buttons: boolean): OutboundContent {
  if (!step.linkLabel || !step.linkUrl) return { text: step.text };
  if (!buttons) return { text: `${step.text}\n${step.linkLabel}: ${step.linkUrl}` };
  const button: Button = { actionId: SERIES_LINK_ACTION, label: step.linkLabel, value };
  return { text: step.text, buttons: [[button]] };
}

/** When a step is due: at once for "on subscribe", else that many days later at SERIES_LOCAL_HOUR local time. */
export function stepDueAt(startedAt: Date, delayDays: number, timezone: string): Date {
  if (delayDays <= 0) return startedAt;
  const day = addDays(wallTimeAt(startedAt, timezone), delayDays);
  return instantOf({ ...day, hour: SERIES_LOCAL_HOUR, minute: 0 }, timezone);
}

interface DueRow {
  seriesId: string;
  memberId: string;
  startedAt: Date;
  nextStep: number;
  delayDays: number;
  text: string;
  linkLabel: string | null;
  linkUrl: string | null;
  platform: string;
  dmChatId: string;
  timezone: string | null;
  lastStep: number;
}

/** Welcome series: enrolment on subscribing, stop on unsubscribing, due steps sent through the outbox. */
export class SeriesService {
  constructor(private readonly services: Services) {}

  /**
   * After a member's event: enrol them in the series of topics they subscribe to (once ever: a
   * finished or stopped series never restarts; a paused one sends its steps once it resumes) and stop
   * series of topics they left (their queued steps are cancelled at once). Sends what is due for them
   * now (an "on subscribe" step).
   */
  async syncMember(memberId: string, at: Date): Promise<void> {
    const { db } = this.services;
    // The member's own subscriptions: a series follows the platform account that subscribed.
    const topics = (await db.subscription.findMany({ where: { memberId }, select: { topic: true } })).map(
      (s) => s.topic,
    );
    const series = await db.$queryRaw<{ id: string; topic: string; status: string | null }[]>`
      SELECT s.id, s.topic, e.status FROM series s
      LEFT JOIN series_enrollment e ON e."seriesId" = s.id AND e."memberId" = ${memberId}
      WHERE e.status IS NULL OR e.status = 'active'`;
    let enrolled = false;
    for (const s of series) {
      const subscribed = topics.includes(s.topic);
      if (s.status === null && subscribed) {
        await db.seriesEnrollment.createMany({
          data: [{ seriesId: s.id, memberId, startedAt: at }],
          skipDuplicates: true,
        });
        enrolled = true;
      } else if (s.status === 'active' && !subscribed) {
        await this.stop(s.id, memberId, at);
      }
    }
    if (enrolled) await this.sendDue(memberId);
  }

  private async stop(seriesId: string, memberId: string, at: Date): Promise<void> {
    await this.services.db.$transaction(async (tx) => {
      await tx.seriesEnrollment.updateMany({
        where: { seriesId, memberId, status: 'active' },
        data: { status: 'stopped', endedAt: at },
      });
      await tx.outbox.updateMany({
        where: { memberId, status: 'pending', dedupeKey: { startsWith: `series:${seriesId}:` } },
        data: { status: 'cancelled', lastError: 'series stopped: unsubscribed' },
      });
    });
  }

  /** Sends every step now due (to one member, or to all); a step goes once (its dedupe key). */
  async sendDue(memberId?: string): Promise<number> {
    const { db } = this.services;
    const now = this.services.now();
    const rows = await db.$queryRaw<DueRow[]>`
      SELECT e."seriesId", e."memberId", e."startedAt", e."nextStep", st."delayDays", st.text,
        st."linkLabel", st."linkUrl", i.platform, i."dmChatId", j.timezone,
        (SELECT max(idx) FROM series_step WHERE "seriesId" = e."seriesId") AS "lastStep"
      FROM series_enrollment e
      JOIN series s ON s.id = e."seriesId" AND s.status = 'active'
      JOIN series_step st ON st."seriesId" = e."seriesId" AND st.idx = e."nextStep"
      JOIN subscription sub ON sub."memberId" = e."memberId" AND sub.topic = s.topic
      JOIN identity i ON i.id = sub."identityId" AND i.reachable AND i."dmChatId" IS NOT NULL
      LEFT JOIN member m ON m.id = e."memberId"
      LEFT JOIN member_journey j ON j."memberId" = COALESCE(m."personId", e."memberId")
      WHERE e.status = 'active' ${memberId ? Prisma.sql`AND e."memberId" = ${memberId}` : Prisma.empty}`;
    let sent = 0;
    for (const row of rows) {
      const timezone = row.timezone ?? this.services.config.SCHEDULE_TIMEZONE;
      const platform = row.platform;
      if (stepDueAt(row.startedAt, row.delayDays, timezone) > now || !isPlatform(platform)) continue;
      const buttons = this.services.capabilitiesOf(platform)?.buttons ?? false;
      const value = `${row.seriesId}:${row.nextStep}`;
      const done = await db.$transaction(async (tx) => {
        const moved = await tx.seriesEnrollment.updateMany({
          where: { seriesId: row.seriesId, memberId: row.memberId, nextStep: row.nextStep, status: 'active' },
          data: {
            nextStep: row.nextStep + 1,
            ...(row.nextStep >= row.lastStep ? { status: 'finished', endedAt: now } : {}),
          },
        });
        if (moved.count === 0) return false;
        const id = await this.services.outbox.enqueue(
          {
            to: { platform, chatId: row.dmChatId },
            content: renderStep(row, value, buttons),
            memberId: row.memberId,
            dedupeKey: `series:${row.seriesId}:${row.nextStep}:${row.memberId}`,
            availableAt: now,
          },
          tx,
        );
        await marketingGateOf(db)?.restrain(tx, { ids: [BigInt(id)] });
        return true;
      });
      if (done) sent++;
    }
    if (sent > 0) this.services.wakeDelivery();
    return sent;
  }
}

export interface StepStats {
  idx: number;
  reach: number;
  clicks: number;
  optOuts: number;
}

/** Per step: members it reached, click-throughs on its link button, members who left after it. */
export async function stepStatsOf(db: Db, seriesId: string): Promise<StepStats[]> {
  const steps = await db.seriesStep.findMany({ where: { seriesId }, orderBy: { idx: 'asc' } });
  const [reach, clicks, optOuts] = await Promise.all([
    db.$queryRaw<{ idx: number; n: number }[]>`
      SELECT split_part("dedupeKey", ':', 3)::int AS idx, count(*)::int AS n FROM outbox
      WHERE "dedupeKey" LIKE ${`series:${seriesId}:%`} AND status = 'sent' GROUP BY 1`,
    db.$queryRaw<{ idx: number; n: number }[]>`
      SELECT (data->>'step')::int AS idx, count(*)::int AS n FROM metric_event
      WHERE type = 'series_click' AND data->>'seriesId' = ${seriesId} GROUP BY 1`,
    db.$queryRaw<{ idx: number; n: number }[]>`
      SELECT "nextStep" - 1 AS idx, count(*)::int AS n FROM series_enrollment
      WHERE "seriesId" = ${seriesId} AND status = 'stopped' AND "nextStep" > 0 GROUP BY 1`,
  ]);
  const of = (list: { idx: number; n: number }[], idx: number) => list.find((r) => r.idx === idx)?.n ?? 0;
  return steps.map((s) => ({
    idx: s.idx,
    reach: of(reach, s.idx),
    clicks: of(clicks, s.idx),
    optOuts: of(optOuts, s.idx),
  }));
}
